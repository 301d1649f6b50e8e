// Large buffers that the kernel copies into (a pread from a file, a recv from a socket), made to
// start on a page boundary.
//
// Why: with glibc, a Buffer of 128 KiB or more is a chunk of its own from mmap, and its bytes start
// 16 bytes past a page boundary (the chunk's header comes first). The kernel fills a read buffer with
// `rep movsb` one source page at a time, and on the AMD EPYC cores this project measures on a
// destination exactly 16 bytes off the source's page alignment runs several times slower: a 1 MiB
// pread from the page cache cost 0.44 ms per MB into such a buffer and 0.07 ms per MB into the same
// buffer 4,080 bytes in (page-aligned); a loopback socket read 0.65 against 0.27 ms per MB for both
// ends together. Any other offset measured fast; page alignment is also what a copy of whole pages
// likes best on any CPU.
//
// A Buffer's address cannot be read from JavaScript, so this relies on that layout: the allocation
// is made a page larger and the view starts PAGE - CHUNK_HEADER bytes in. Where the allocator lays
// memory out otherwise (a small allocation from the heap, musl), the view starts at some other
// 16-byte-aligned address, which is what a plain allocation would have given anyway.

const PAGE_BYTES = 4096;
/** glibc's header before the bytes of an mmap'd chunk on 64-bit (prev_size + size). */
const CHUNK_HEADER_BYTES = 16;
const SKIP_BYTES = PAGE_BYTES - CHUNK_HEADER_BYTES;

/** Uninitialised bytes for the kernel to read into, page-aligned where the allocator is glibc's. */
export function readTargetBuffer(bytes: number): Buffer {
  return Buffer.allocUnsafeSlow(bytes + SKIP_BYTES).subarray(SKIP_BYTES);
}
