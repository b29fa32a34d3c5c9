// load_check.js: says what to run when the dashboard's libraries (three.js, uPlot, from npm) are
// missing, instead of leaving the page at "connecting…". A classic script with no imports, so it
// runs even when no module can load; index.html includes it right after app.js's module <script>.
//
// When any import of app.js's module graph fails to load, that <script> element fires `error`
// (after the document is parsed, so this script has always run first). The check then fetches
// each library's entry file named by the page's import map: the hub answers 404 for a package
// that is not installed. The message (`load-error`) names the missing libraries and the command;
// if every library is there, it says the page's own scripts failed and points at the console.
//
// globalThis.nanogptLoadCheck = {missingLibraries(names?) -> Promise<[{name, label, url}]>, HINT}:
// views/params/host.js asks the same question when only the 3D view's import fails.
(function () {
  'use strict';
  var LABELS = { three: 'three.js', uplot: 'uPlot' };
  var HINT = 'Run `npm install` in the nanogpt source tree (or `scripts/setup.sh`), then reload this page.';

  function libraryUrls() {
    var map = document.querySelector('script[type="importmap"]');
    var imports = map ? JSON.parse(map.textContent).imports || {} : {};
    return Object.keys(LABELS).filter(function (name) { return imports[name]; })
      .map(function (name) { return { name: name, label: LABELS[name], url: new URL(imports[name], document.baseURI).href }; });
  }

  // The libraries among `names` (default: all) whose entry file is not found.
  function missingLibraries(names) {
    var libs = libraryUrls().filter(function (l) { return !names || names.indexOf(l.name) >= 0; });
    return Promise.all(libs.map(function (l) {
      return fetch(l.url, { cache: 'no-store' })
        .then(function (res) { return res.status === 404; }, function () { return true; });
    })).then(function (gone) { return libs.filter(function (l, i) { return gone[i]; }); });
  }

  function show(title, lines) {
    var box = document.getElementById('load-error');
    if (!box) return;
    var h = document.createElement('h2');
    h.textContent = title;
    box.replaceChildren(h);
    lines.forEach(function (text) {
      var p = document.createElement('p');
      // `backquoted` spans become <code>, so the command stands out and copies cleanly.
      text.split('`').forEach(function (part, i) {
        if (i % 2) { var c = document.createElement('code'); c.textContent = part; p.append(c); } else p.append(part);
      });
      box.append(p);
    });
    box.hidden = false;
    document.body.classList.add('load-failed'); // style.css hides the tabs and controls that cannot work
    var status = document.getElementById('status');
    if (status) {
      status.dataset.state = 'offline';
      var words = status.querySelector('.status-text');
      if (words) words.textContent = 'the dashboard did not load';
    }
  }

  function onAppFailed() {
    missingLibraries().then(function (missing) {
      if (missing.length) {
        var names = missing.map(function (l) { return l.label; }).join(' and ');
        show('The dashboard’s libraries did not load',
          [names + (missing.length > 1 ? ' are' : ' is') + ' not installed where the hub serves them from: ' +
            '`node_modules/` in the nanogpt source tree. The dashboard needs three.js for the 3D view and uPlot for the charts.', HINT]);
      } else {
        show('The dashboard did not load',
          ['One of its scripts failed to load; the browser console names the file. Reload the page; if it persists, check that the hub serves this source tree\u2019s frontend/.']);
      }
    });
  }

  globalThis.nanogptLoadCheck = { missingLibraries: missingLibraries, HINT: HINT };
  var app = document.querySelector('script[type="module"][src$="app.js"]');
  if (app) app.addEventListener('error', onAppFailed);
})();
