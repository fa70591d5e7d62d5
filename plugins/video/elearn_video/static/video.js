// Progressive enhancement of the browser's own <video>: speed, keys, resume, transcript seeking,
// and the watched reports. Without this file the page still plays, downloads and links the
// transcript to the media fragment (#t=). Reports: only stretches actually played are sent,
// every ~20 s and on pagehide (navigator.sendBeacon, with the CSRF token in the body).
(function () {
  'use strict';
  var root = document.getElementById('video-lesson');
  var video = document.getElementById('video-player');
  if (!root || !video) { return; }
  var duration = parseFloat(root.dataset.duration) || 0;
  var saved = parseFloat(root.dataset.position) || 0;
  var watchedUrl = root.dataset.watchedUrl;
  var beaconUrl = root.dataset.beaconUrl;
  var tokenInput = document.querySelector('input[name=csrf_token]');
  var token = tokenInput ? tokenInput.value : '';
  var shown = document.getElementById('video-watched');

  // No choice saved and the browser says the line is slow or metered: start with the lightest rendition.
  var line = navigator.connection;
  if (root.dataset.chosen === '0' && line && (line.saveData || /^(slow-2g|2g|3g)$/.test(line.effectiveType || ''))) {
    var lightest = Array.prototype.slice.call(video.querySelectorAll('source')).sort(function (a, b) {
      return (parseInt(a.dataset.label, 10) || 0) - (parseInt(b.dataset.label, 10) || 0);
    })[0];
    if (lightest && lightest !== video.querySelector('source')) { video.insertBefore(lightest, video.firstChild); video.load(); }
  }

  // Speed 0.75x to 2x.
  var controls = document.createElement('div');
  controls.className = 'video-controls';
  var label = document.createElement('label');
  label.textContent = (document.documentElement.lang === 'en' ? 'Speed' : 'Tốc độ') + ' ';
  var speed = document.createElement('select');
  [0.75, 1, 1.25, 1.5, 1.75, 2].forEach(function (rate) {
    var option = document.createElement('option');
    option.value = String(rate);
    option.textContent = rate + '×';
    if (rate === 1) { option.selected = true; }
    speed.appendChild(option);
  });
  speed.addEventListener('change', function () { video.playbackRate = parseFloat(speed.value); });
  label.appendChild(speed);
  controls.appendChild(label);
  video.insertAdjacentElement('afterend', controls);

  // Resume where the learner stopped (on any device), unless that was the very end.
  video.addEventListener('loadedmetadata', function () {
    if (saved > 1 && saved < (video.duration || duration) - 3) { video.currentTime = saved; }
  }, { once: true });

  // Keys on the player: space/k play-pause, arrows or j/l seek 5 s/10 s, < > speed.
  video.addEventListener('keydown', function (event) {
    var key = event.key;
    if (key === ' ' || key === 'k') { if (video.paused) { video.play(); } else { video.pause(); } }
    else if (key === 'ArrowLeft' || key === 'j') { video.currentTime = Math.max(0, video.currentTime - (key === 'j' ? 10 : 5)); }
    else if (key === 'ArrowRight' || key === 'l') { video.currentTime = Math.min(video.duration || duration, video.currentTime + (key === 'l' ? 10 : 5)); }
    else if (key === '>' || key === '<') {
      var index = speed.selectedIndex + (key === '>' ? 1 : -1);
      if (index >= 0 && index < speed.options.length) { speed.selectedIndex = index; video.playbackRate = parseFloat(speed.value); }
    } else { return; }
    event.preventDefault();
  });

  // Transcript: seek in the page instead of opening the file.
  var cues = Array.prototype.slice.call(document.querySelectorAll('.video-transcript a[data-start]'));
  cues.forEach(function (link) {
    link.addEventListener('click', function (event) {
      event.preventDefault();
      video.currentTime = parseFloat(link.dataset.start);
      video.play();
    });
  });

  // What was played: extend the current stretch while time moves forward by play, start a new one after a seek.
  var pending = [];
  var current = null;
  var last = null;
  video.addEventListener('timeupdate', function () {
    var now = video.currentTime;
    if (!video.paused && last !== null && now >= last && now - last <= 1.5 * Math.max(1, video.playbackRate)) {
      if (!current) { current = [last, now]; pending.push(current); } else { current[1] = now; }
    } else { current = null; }
    last = now;
    var active = null;
    cues.forEach(function (link) { if (parseFloat(link.dataset.start) <= now) { active = link; } });
    cues.forEach(function (link) { link.classList.toggle('video-now', link === active); });
  });
  video.addEventListener('seeking', function () { current = null; last = null; });
  video.addEventListener('pause', function () { current = null; send(false); });

  var outgoing = null;  // a batch sent but not yet answered: resent with the same id, so it counts once
  function batch() {
    if (!outgoing) {
      var intervals = pending.filter(function (i) { return i[1] > i[0]; }).map(function (i) {
        return [Math.round(i[0] * 1000) / 1000, Math.min(Math.round(i[1] * 1000) / 1000, duration)];
      });
      pending = [];
      if (current) { current = [current[1], current[1]]; pending = [current]; }
      outgoing = { batch_id: Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 10),
                   intervals: intervals, position: Math.min(video.currentTime, duration) };
    }
    return outgoing;
  }
  function send(leaving) {
    if (!watchedUrl) { return; }
    var body = batch();
    if (!body.intervals.length && Math.abs(body.position - saved) < 1) { outgoing = null; return; }
    if (leaving && navigator.sendBeacon) {
      var payload = JSON.stringify(Object.assign({ csrf_token: token }, body));
      if (navigator.sendBeacon(beaconUrl, new Blob([payload], { type: 'text/plain' }))) { outgoing = null; }
      return;
    }
    fetch(watchedUrl, { method: 'POST', credentials: 'same-origin', keepalive: true,
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': token }, body: JSON.stringify(body) })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (result) {
        if (!result) { return; }
        outgoing = null;
        saved = result.position;
        if (shown) { shown.dataset.share = result.watched_share; shown.textContent = shown.textContent.trim().replace(/\d+(?=%)/, String(Math.round(result.watched_share * 100))); }
      })
      .catch(function () { /* kept in outgoing: resent next time with the same id */ });
  }
  // Questions at moments: when playing reaches one not answered yet, pause and ask it under the player;
  // the answer is posted as the form would be (graded on the server), then the video goes on.
  var list = document.getElementById('video-questions');
  var waiting = list ? Array.prototype.slice.call(list.querySelectorAll('.video-question[data-answered="0"]')) : [];
  var asking = document.createElement('div');
  asking.className = 'video-asking';
  asking.setAttribute('aria-live', 'polite');
  controls.insertAdjacentElement('afterend', asking);
  var before = null;
  video.addEventListener('timeupdate', function () {
    var now = video.currentTime;
    if (!video.paused && before !== null && now >= before && now - before <= 2 * Math.max(1, video.playbackRate)) {
      var due = waiting.filter(function (item) { var at = parseFloat(item.dataset.at); return at > before - 0.01 && at <= now; })[0];
      if (due) { ask(due); }
    }
    before = now;
  });
  video.addEventListener('seeking', function () { before = null; });
  function ask(item) {
    waiting.splice(waiting.indexOf(item), 1);
    video.pause();
    var place = document.createComment('');
    item.parentNode.insertBefore(place, item);
    asking.appendChild(item);
    var form = item.querySelector('form');
    var first = item.querySelector('input, select, textarea, button');
    if (first) { first.focus(); }
    if (!form) { return; }
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var button = form.querySelector('button');
      button.disabled = true;
      fetch(form.action, { method: 'POST', credentials: 'same-origin', body: new FormData(form),
        headers: { 'Accept': 'application/json', 'X-CSRFToken': token } })
        .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body }; }); })
        .then(function (answer) {
          var shown = form.querySelector('.video-feedback');
          if (!answer.ok) { button.disabled = false; shown.textContent = answer.body.error || list.dataset.failed; return; }
          item.dataset.answered = '1';
          var verdict = document.createElement('p');
          verdict.className = 'notice' + (answer.body.correct ? ' success' : '');
          verdict.textContent = answer.body.correct ? list.dataset.right : list.dataset.wrong;
          shown.appendChild(verdict);
          var more = document.createElement('div');
          more.innerHTML = answer.body.feedback_html;  // sanitised on the server
          shown.appendChild(more);
          form.querySelector('fieldset').disabled = true;
          button.remove();
          var go = document.createElement('button');
          go.type = 'button';
          go.className = 'button';
          go.textContent = list.dataset.continue;
          go.addEventListener('click', function () {
            place.parentNode.replaceChild(item, place);
            go.remove();
            video.focus();
            video.play();
          });
          form.appendChild(go);
          go.focus();
        })
        .catch(function () { button.disabled = false; form.querySelector('.video-feedback').textContent = list.dataset.failed; });
    });
  }

  setInterval(function () { if (!video.paused) { send(false); } }, 20000);
  window.addEventListener('pagehide', function () { send(true); });
}());
