// The reserved URL paths of live reload. Everything under /__httpcraft/ belongs to the server while
// live reload is on: a file of the document root at such a path is hidden behind it.

export const RESERVED_PREFIX = '/__httpcraft/';
export const LIVE_RELOAD_SCRIPT_PATH = '/__httpcraft/live-reload.js';
export const LIVE_RELOAD_SOCKET_PATH = '/__httpcraft/live-reload';
