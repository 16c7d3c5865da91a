// undersign: solves the letter's proof-of-work challenge (ALTCHA protocol v1) in a
// worker, fills the form's hidden "altcha" field and shows progress while the
// person waits. Without this script the form still works: the signature is then
// accepted for moderators to check. Nothing here talks to anyone but this site.
(function () {
  'use strict';
  var form = document.querySelector('form[data-challenge]');
  if (!form || !window.Worker || !window.crypto || !window.crypto.subtle || !window.fetch) {
    return;
  }
  // A name pasted with a line break would have it silently dropped by the browser
  // ("Line↵Break" → "LineBreak"); paste it with a space instead, as the server does.
  form.addEventListener('paste', function (event) {
    var input = event.target;
    var text = event.clipboardData && event.clipboardData.getData('text');
    if (!input || input.type !== 'text' || !text || !/[\r\n]/.test(text)) { return; }
    event.preventDefault();
    var start = input.selectionStart, end = input.selectionEnd;
    var clean = text.replace(/\s*[\r\n]+\s*/g, ' ');
    input.value = input.value.slice(0, start) + clean + input.value.slice(end);
    input.selectionStart = input.selectionEnd = start + clean.length;
  });
  var field = form.querySelector('input[name="altcha"]');
  var status = document.getElementById('pow-status');
  var solved = null;
  var pending = null;
  var submitting = false;

  function say(key, percent) {
    status.hidden = false;
    status.textContent = status.getAttribute('data-' + key) + (percent === undefined ? '' : ' ' + percent + '%');
  }

  function solve() {
    pending = fetch(form.getAttribute('data-challenge'), { credentials: 'same-origin', cache: 'no-store' })
      .then(function (response) {
        if (!response.ok) { throw new Error('no challenge'); }
        return response.json();
      })
      .then(function (challenge) {
        return new Promise(function (resolve, reject) {
          var worker = new Worker('/static/altcha-worker.js');
          worker.onmessage = function (event) {
            if (event.data.progress !== undefined) {
              if (submitting) { say('working', event.data.progress); }
              return;
            }
            worker.terminate();
            if (event.data.number === null) { reject(new Error('unsolved')); return; }
            resolve(btoa(JSON.stringify({
              algorithm: challenge.algorithm,
              challenge: challenge.challenge,
              number: event.data.number,
              salt: challenge.salt,
              signature: challenge.signature,
              took: event.data.took
            })));
          };
          worker.onerror = function () { worker.terminate(); reject(new Error('worker failed')); };
          worker.postMessage(challenge);
        });
      })
      .then(function (payload) {
        solved = payload;
        field.value = payload;
        if (submitting) { say('done'); form.submit(); }
      })
      .catch(function () {
        pending = null;
        if (submitting) { say('failed'); }
        submitting = false;
      });
  }

  form.addEventListener('submit', function (event) {
    if (solved) { return; }
    event.preventDefault();
    submitting = true;
    say('working', 0);
    if (!pending) { solve(); }
  });
  solve();
})();
