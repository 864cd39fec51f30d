/* The catalogue's page: a grid of works, a search box, a department filter, a detail view.
 *
 * Opened from disk (file://), where browsers refuse fetch() and XMLHttpRequest: the data come
 * as scripts that call louvreCatalogue.index(n, text) (the search index, every part loaded up
 * front, in order) and louvreCatalogue.works(n, rows) (the feed rows of a few hundred works,
 * loaded when one of them is opened). meta (in index.html) names the files of the build.
 */
(function () {
  'use strict';

  const C = window.louvreCatalogue;
  const meta = C.meta;
  // When the first grid was drawn and the whole index in, in ms from the page's start (bench).
  const timings = C.timings = {};
  const departments = meta.departments;

  // The search index, column by column, in the catalogue's order (index i is work i).
  const ark = [], title = [], creators = [], date = [], inv = [], dept = [], thumb = [];
  const images = [], hay = [];
  let partsLoaded = 0;

  const rows = {};      // works file number -> its feed rows
  const waiting = {};   // works file number -> callbacks waiting for it

  // What the grid shows: the query's terms, the department (-1: all), the matching works
  // (null: every work) and the page.
  const state = {query: '', terms: [], dept: -1, matches: null, page: 0};

  const $ = (id) => document.getElementById(id);
  const grid = $('grid'), count = $('count'), search = $('search'), select = $('department');
  const detail = $('detail');

  const fmt = (n) => n.toLocaleString('en');
  const ESCAPES = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'};
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ESCAPES[c]);
  const encPath = (path) => path.split('/').map(encodeURIComponent).join('/');
  const thumbUrl = (path) => meta.thumbs + encPath(path) + '.jpg';
  const fullUrl = (path) => meta.store + encPath(path);
  const deptName = (d) => departments[d] || '(no department)';

  // Case, accents and ligatures do not matter: "eugene" finds "Eugène".
  function fold(text) {
    text = text.toLowerCase();
    if (/[^\x00-\x7f]/.test(text)) {
      text = text.normalize('NFD').replace(/[\u0300-\u036f]/g, '')
        .replace(/œ/g, 'oe').replace(/æ/g, 'ae');
    }
    return text;
  }

  // -- data ---------------------------------------------------------------------------------

  C.index = function (number, text) {
    if (number !== partsLoaded) return;  // a part loaded twice, or out of order
    const first = ark.length;
    const before = matchCount();
    for (const line of text.split('\n')) {
      const f = line.split('\t');
      ark.push(f[0]); title.push(f[1]); creators.push(f[2]); date.push(f[3]); inv.push(f[4]);
      dept.push(+f[5]); thumb.push(f[6]); images.push(+f[7]);
      hay.push(fold(f[1] + '\n' + f[2] + '\n' + f[4]));
    }
    partsLoaded += 1;
    if (partsLoaded === meta.index.length) timings.indexLoaded = performance.now();
    extendMatches(first);
    // Redraw the grid only when the page shown changes (a page that was not full).
    if ((state.page + 1) * meta.pageSize > before) render();
    else {
      $('pager-top').innerHTML = $('pager-bottom').innerHTML = pager();
      showCount();
    }
    route();
  };

  C.works = function (number, list) {
    rows[number] = list;
    for (const callback of waiting[number] || []) callback(list);
    delete waiting[number];
  };

  function loadScript(src, inOrder) {
    const script = document.createElement('script');
    script.src = src;
    script.async = !inOrder;  // dynamic scripts with async=false run in the order added
    document.body.appendChild(script);
  }

  function withRows(number, callback) {
    if (rows[number]) return callback(rows[number]);
    if (!waiting[number]) {
      waiting[number] = [];
      loadScript(meta.details[number], false);
    }
    waiting[number].push(callback);
  }

  // -- search -------------------------------------------------------------------------------

  function matchesWork(i) {
    if (state.dept >= 0 && dept[i] !== state.dept) return false;
    const h = hay[i];
    for (const term of state.terms) if (h.indexOf(term) < 0) return false;
    return true;
  }

  function filterAll(from) {
    const found = [];
    for (let i = from; i < ark.length; i++) if (matchesWork(i)) found.push(i);
    return found;
  }

  // Works that arrived with a new part of the index join the current matches.
  function extendMatches(first) {
    if (state.matches !== null) state.matches = state.matches.concat(filterAll(first));
  }

  function setQuery(query, deptNumber) {
    const terms = fold(query).split(/\s+/).filter(Boolean);
    const narrower = state.matches !== null && deptNumber === state.dept &&
      terms.join(' ').startsWith(state.terms.join(' ')) && state.terms.length > 0;
    const previous = state.matches;
    state.query = query; state.terms = terms; state.dept = deptNumber; state.page = 0;
    if (!terms.length && deptNumber < 0) state.matches = null;
    else if (narrower) state.matches = previous.filter(matchesWork);  // typing on: narrow
    else state.matches = filterAll(0);
    render();
  }

  let scheduled = false;
  function onInput() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      setQuery(search.value, select.value === '' ? -1 : +select.value);
    });
  }

  // -- the grid -----------------------------------------------------------------------------

  const matchCount = () => state.matches === null ? ark.length : state.matches.length;
  const pages = () => Math.max(1, Math.ceil(matchCount() / meta.pageSize));

  function showCount() {
    const loading = partsLoaded < meta.index.length
      ? ` (loading: ${fmt(ark.length)} of ${fmt(meta.works)})` : '';
    const n = matchCount();
    const filtered = state.matches !== null;
    count.textContent = `${fmt(meta.works)} works in this catalogue` +
      (filtered ? ` · ${fmt(n)} match` : '') + loading;
    count.dataset.works = meta.works;
    count.dataset.matches = n;
    count.dataset.loaded = ark.length;
    count.dataset.query = state.query;
  }

  function card(i) {
    const picture = thumb[i]
      ? `<img loading="lazy" decoding="async" src="${esc(thumbUrl(thumb[i]))}" alt="">`
      : `<span class="noimage">${images[i] ? 'image not in the store' : 'no image'}</span>`;
    const line = [date[i], deptName(dept[i])].filter(Boolean).map(esc).join(' · ');
    return `<li class="work" data-ark="${esc(ark[i])}"><a href="#work=${encodeURIComponent(ark[i])}">` +
      `<span class="thumb">${picture}</span>` +
      `<span class="title">${esc(title[i] || '(untitled)')}</span>` +
      (creators[i] ? `<span class="creators">${esc(creators[i])}</span>` : '') +
      `<span class="line">${line}</span>` +
      (inv[i] ? `<span class="inv">${esc(inv[i])}</span>` : '') + '</a></li>';
  }

  function pager() {
    const n = pages();
    if (n < 2) return '';
    return `<button type="button" data-page="${state.page - 1}"${state.page ? '' : ' disabled'}>‹ Previous</button>` +
      `<span>Page ${fmt(state.page + 1)} of ${fmt(n)}</span>` +
      `<button type="button" data-page="${state.page + 1}"${state.page + 1 < n ? '' : ' disabled'}>Next ›</button>`;
  }

  function render() {
    state.page = Math.min(state.page, pages() - 1);
    const start = state.page * meta.pageSize;
    const end = Math.min(start + meta.pageSize, matchCount());
    const html = [];
    for (let k = start; k < end; k++) html.push(card(state.matches === null ? k : state.matches[k]));
    grid.innerHTML = html.join('');
    if (html.length && timings.firstGrid === undefined) timings.firstGrid = performance.now();
    $('pager-top').innerHTML = $('pager-bottom').innerHTML = pager();
    showCount();
  }

  function onPage(event) {
    const page = event.target.dataset && event.target.dataset.page;
    if (page === undefined) return;
    state.page = +page;
    render();
    window.scrollTo(0, 0);
  }

  // -- the detail view ----------------------------------------------------------------------

  function value(v) {
    if (v === null || v === undefined || v === '' || (Array.isArray(v) && !v.length)) {
      return '<span class="empty">—</span>';
    }
    if (Array.isArray(v)) return '<ol>' + v.map((x) => `<li>${value(x)}</li>`).join('') + '</ol>';
    if (typeof v === 'object') {
      return '<dl>' + Object.keys(v).map((k) => `<dt>${esc(k)}</dt><dd>${value(v[k])}</dd>`).join('') + '</dl>';
    }
    if (typeof v === 'string' && /^https?:\/\//.test(v)) return `<a href="${esc(v)}">${esc(v)}</a>`;
    return esc(v);
  }

  function figure(image, n) {
    const copyright = image.copyright
      ? `<span class="copyright">${esc(image.copyright)}</span>`
      : '<span class="copyright empty">no copyright given</span>';
    if (!image.path) {
      return `<figure class="image missing"><span class="noimage">not in the store` +
        ` (${esc(image.status || 'missing')})</span><figcaption>${copyright}</figcaption></figure>`;
    }
    const full = esc(fullUrl(image.path));
    return `<figure class="image"><a href="${full}" target="_blank" rel="noopener">` +
      `<img loading="lazy" src="${esc(thumbUrl(image.path))}" alt="image ${n + 1}"></a>` +
      `<figcaption>${copyright} <a class="full" href="${full}" target="_blank" rel="noopener">` +
      'full size</a></figcaption></figure>';
  }

  function showDetail(i, row) {
    // The record's own URL, if it is a web address (a record is untrusted input).
    const url = /^https?:\/\//.test(row.url || '') ? row.url : '';
    detail.innerHTML = '<article>' +
      '<a class="close" href="#" aria-label="Back to the grid">× Close</a>' +
      `<h2>${esc(title[i] || '(untitled)')}</h2>` +
      (creators[i] ? `<p class="creators">${esc(creators[i])}</p>` : '') +
      `<p class="line">${[date[i], deptName(dept[i]), inv[i]].filter(Boolean).map(esc).join(' · ')}</p>` +
      (url ? `<p class="permalink">On the museum's site: <a href="${esc(url)}">${esc(url)}</a></p>` : '') +
      `<div class="images">${(row.images || []).map(figure).join('') || '<p class="empty">No image.</p>'}</div>` +
      '<h3>Every field of the record</h3><table class="fields"><tbody>' +
      Object.keys(row).map((k) => `<tr><th>${esc(k)}</th><td>${value(row[k])}</td></tr>`).join('') +
      '</tbody></table></article>';
    detail.hidden = false;
    document.body.classList.add('detail-open');
    detail.scrollTop = 0;
    detail.querySelector('.close').focus();
  }

  function closeDetail() {
    detail.hidden = true;
    detail.innerHTML = '';
    document.body.classList.remove('detail-open');
  }

  let routed = '';
  function route() {
    const match = /^#work=(.+)$/.exec(location.hash);
    if (!match) {
      routed = '';
      if (!detail.hidden) closeDetail();
      return;
    }
    const wanted = decodeURIComponent(match[1]);
    if (wanted === routed) return;
    const i = ark.indexOf(wanted);
    if (i < 0) {  // not loaded yet (a link into a part still on its way), or not there
      if (partsLoaded === meta.index.length) {
        routed = wanted;
        detail.innerHTML = `<article><a class="close" href="#">× Close</a><p>No work ${esc(wanted)} in this catalogue.</p></article>`;
        detail.hidden = false;
      }
      return;
    }
    routed = wanted;
    withRows(Math.floor(i / meta.worksChunk), (list) => {
      if (routed === wanted) showDetail(i, list[i % meta.worksChunk]);
    });
  }

  // A thumbnail that cannot be shown (an image Pillow could not read has none).
  detail.addEventListener('error', (event) => {
    if (event.target.tagName === 'IMG') {
      event.target.replaceWith(Object.assign(document.createElement('span'),
        {className: 'noimage', textContent: 'no preview'}));
    }
  }, true);

  // -- start --------------------------------------------------------------------------------

  const order = departments.map((name, d) => d)
    .sort((a, b) => deptName(a).localeCompare(deptName(b), 'fr'));
  for (const d of order) {
    select.add(new Option(`${deptName(d)} (${fmt(meta.departmentCounts[d])})`, String(d)));
  }
  search.addEventListener('input', onInput);
  select.addEventListener('change', onInput);
  $('pager-top').addEventListener('click', onPage);
  $('pager-bottom').addEventListener('click', onPage);
  window.addEventListener('hashchange', route);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !detail.hidden) location.hash = '';
  });
  showCount();
  if (!meta.works) render();
  for (const src of meta.index) loadScript(src, true);
})();
