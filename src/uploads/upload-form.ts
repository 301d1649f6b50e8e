// The upload form the directory listing embeds. Without JavaScript it is a plain multipart form
// that posts to the folder URL (the server answers with a summary page). With JavaScript it also
// takes files dropped anywhere on the form, sends them with XMLHttpRequest (the only browser API
// that reports upload progress), shows a progress bar and the names the files were stored under,
// and then reloads the listing.

import { escapeHtml } from '../app/error-response.ts';
import type { FormLimits } from './form.ts';

export interface UploadFormOptions {
  /** Show a "new folder" form too (enable_mkdir). */
  mkdir?: boolean;
  /** Reload the page after a successful upload (the listing then shows the files). Default true. */
  reload?: boolean;
  /** CSP nonce for the inline script and style, when the page is served with a nonce policy. */
  nonce?: string;
}

function humanBytes(n: number): string {
  if (n >= 1024 * 1024 * 1024) return `${+(n / 1024 / 1024 / 1024).toFixed(1)} GiB`;
  if (n >= 1024 * 1024) return `${+(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

// The script finds its form through document.currentScript, so two forms on a page do not clash.
const SCRIPT = `(function(){
var s=document.currentScript,box=s.previousElementSibling,form=box.querySelector('form.hc-upload-form');
var input=form.querySelector('input[type=file]'),bar=box.querySelector('progress'),out=box.querySelector('output');
var max=+form.getAttribute('data-max-bytes'),maxFiles=+form.getAttribute('data-max-files'),reload=form.getAttribute('data-reload')==='true';
function say(text,cls){out.textContent=text;out.className=cls||'';}
function send(files){
  if(!files||!files.length){say('Choose a file first.','hc-error');return;}
  var total=0;for(var i=0;i<files.length;i++)total+=files[i].size;
  if(files.length>maxFiles){say('Too many files: at most '+maxFiles+' at once.','hc-error');return;}
  if(total>max){say('Too large: at most '+form.getAttribute('data-max-human')+' per upload.','hc-error');return;}
  var data=new FormData();for(var j=0;j<files.length;j++)data.append(input.name,files[j],files[j].name);
  var xhr=new XMLHttpRequest();xhr.open('POST',form.action);xhr.setRequestHeader('Accept','application/json');
  bar.hidden=false;bar.value=0;say('Uploading…');box.classList.add('hc-busy');
  xhr.upload.onprogress=function(e){if(e.lengthComputable){bar.max=e.total;bar.value=e.loaded;}};
  xhr.onerror=function(){box.classList.remove('hc-busy');say('Upload failed: the connection was lost.','hc-error');};
  xhr.onload=function(){
    box.classList.remove('hc-busy');var body=null;try{body=JSON.parse(xhr.responseText);}catch(e){}
    if(xhr.status>=200&&xhr.status<300&&body&&body.files){
      bar.value=bar.max;
      var names=body.files.map(function(f){return f.storedName;});
      say('Uploaded: '+names.join(', '),'hc-ok');input.value='';
      if(reload)setTimeout(function(){location.reload();},600);
    }else{say('Upload failed: '+((body&&body.error&&body.error.message)||xhr.status+' '+xhr.statusText),'hc-error');}
  };
  xhr.send(data);
}
form.addEventListener('submit',function(e){e.preventDefault();send(input.files);});
['dragenter','dragover'].forEach(function(t){box.addEventListener(t,function(e){e.preventDefault();box.classList.add('hc-drag');});});
['dragleave','drop'].forEach(function(t){box.addEventListener(t,function(e){e.preventDefault();box.classList.remove('hc-drag');});});
box.addEventListener('drop',function(e){if(e.dataTransfer&&e.dataTransfer.files.length)send(e.dataTransfer.files);});
})();`;

const STYLE = `.hc-upload{border:2px dashed color-mix(in srgb,CanvasText 30%,transparent);border-radius:.5rem;padding:1rem;margin:1rem 0}
.hc-upload.hc-drag{border-color:Highlight;background:color-mix(in srgb,Highlight 10%,transparent)}
.hc-upload form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:0}
.hc-upload progress{width:100%;margin-top:.5rem}.hc-upload output{display:block;margin-top:.5rem}
.hc-upload .hc-error{color:#c62828}.hc-upload .hc-ok{color:#2e7d32}.hc-upload small{opacity:.75}`;

/**
 * The form as an HTML fragment for the listing page of folderUrl (an already URL-encoded path
 * ending in "/"). Everything interpolated is escaped.
 */
export function uploadFormHtml(folderUrl: string, limits: Pick<FormLimits, 'maxUploadSize' | 'maxUploadFiles'>, options: UploadFormOptions = {}): string {
  const action = escapeHtml(folderUrl);
  const human = humanBytes(limits.maxUploadSize);
  const nonce = options.nonce === undefined ? '' : ` nonce="${escapeHtml(options.nonce)}"`;
  const mkdir = options.mkdir === true
    ? `\n<form method="post" action="${action}" enctype="application/x-www-form-urlencoded" class="hc-mkdir-form"><label>New folder <input type="text" name="mkdir" required maxlength="200"></label> <button type="submit">Create</button></form>`
    : '';
  return `<style${nonce}>${STYLE}</style>
<section class="hc-upload" aria-label="Upload files">
<form method="post" action="${action}" enctype="multipart/form-data" class="hc-upload-form" data-max-bytes="${limits.maxUploadSize}" data-max-files="${limits.maxUploadFiles}" data-max-human="${escapeHtml(human)}" data-reload="${options.reload === false ? 'false' : 'true'}">
<label>Upload files <input type="file" name="file" multiple required></label>
<button type="submit">Upload</button>
<small>or drop files here · up to ${escapeHtml(human)}, ${limits.maxUploadFiles} files</small>
</form>${mkdir}
<progress hidden value="0" max="1"></progress>
<output aria-live="polite"></output>
</section>
<script${nonce}>${SCRIPT}</script>`;
}
