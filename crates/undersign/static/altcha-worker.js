// undersign: finds the secret number of an ALTCHA v1 challenge, i.e. the n with
// SHA-256(salt + n) == challenge, using the browser's own Web Crypto.
'use strict';

function hex(buffer) {
  var bytes = new Uint8Array(buffer);
  var out = '';
  for (var i = 0; i < bytes.length; i++) {
    out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  }
  return out;
}

self.onmessage = async function (event) {
  var challenge = event.data;
  var encoder = new TextEncoder();
  var started = Date.now();
  var step = Math.max(1, Math.floor(challenge.maxnumber / 50));
  for (var n = 0; n <= challenge.maxnumber; n++) {
    var digest = await crypto.subtle.digest('SHA-256', encoder.encode(challenge.salt + n));
    if (hex(digest) === challenge.challenge) {
      self.postMessage({ number: n, took: Date.now() - started });
      return;
    }
    if (n % step === 0) {
      self.postMessage({ progress: Math.floor((n * 100) / challenge.maxnumber) });
    }
  }
  self.postMessage({ number: null });
};
