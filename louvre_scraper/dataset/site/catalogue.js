/* The catalogue's page: a grid of works, a search box, a department filter, a rights filter
 * (the rights estimate of each work: an estimate, not legal advice), a detail view.
 *
 * Opened from disk (file://), where browsers refuse fetch() and XMLHttpRequest: the data come
 * as scripts that call louvreCatalogue.index(n, columns) (the search index, every part loaded up
 * front, in order) and louvreCatalogue.works(n, rows) (the feed rows of a few hundred works,
 * loaded when one of them is opened). meta (in index.html) names the files of the build.
 */
(function () {
  'use strict';

  const C = window.louvreCatalogue;
  const meta = C.meta;
  // When the first grid was shown and the whole index in, in ms from the page's start (bench).
  const timings = C.timings = {};
  const departments = meta.departments;

  // The search index as it came, a part (meta.indexChunk works) at a time, a column a field:
  // work i is line i % indexChunk of part i / indexChunk. Kept as the parts' own arrays, not
  // copied into one array a field (copying 500,000 works costs more than splitting them).
  const parts = [];
  let loaded = 0;  // works in the parts loaded

  const rows = {};      // works file number -> its feed rows
  const waiting = {};   // works file number -> callbacks waiting for it

  // What the grid shows: the query's terms, the department (-1: all), the rights estimate
  // ('': any), the matching works (null: every work) and the page.
  const state = {query: '', terms: [], dept: -1, deptText: '', rights: '', matches: null, page: 0};
  const RIGHTS_SHOWN = {'public-domain': 'public domain', 'in-copyright': 'in copyright', 'unknown': 'rights unknown'};
  const rightsName = (r) => RIGHTS_SHOWN[r] || r;

  const $ = (id) => document.getElementById(id);
  const grid = $('grid'), count = $('count'), search = $('search'), select = $('department');
  const rightsSelect = $('rights');
  const detail = $('detail'), nomatch = $('nomatch');

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

  C.index = function (number, columns) {
    if (number !== parts.length) return;  // a part loaded twice, or out of order
    const first = loaded;
    const before = matchCount();
    // One native split per column. What the search looks in is folded later (foldPart).
    const [ark, title, creators, date, inv, dept, thumb, images, rights] =
      columns.map((column) => column.split('\n'));
    parts.push({ark, title, creators, date, inv, dept, thumb, images, rights, columns, ft: null});
    loaded += ark.length;
    if (parts.length === meta.index.length) timings.indexLoaded = performance.now();
    foldWhenIdle();
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
    return script;
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

  // Work i as the grid and the detail view show it.
  function work(i) {
    const p = parts[Math.floor(i / meta.indexChunk)], k = i % meta.indexChunk;
    return {
      ark: p.ark[k], title: p.title[k], creators: p.creators[k], date: p.date[k],
      inv: p.inv[k], dept: +p.dept[k], thumb: p.thumb[k], images: +p.images[k],
      rights: p.rights ? p.rights[k] : '',
    };
  }

  // What the search looks in, folded a column at a time (one pass over a long string, not one
  // per work): when the browser is idle between parts, or at the first search if sooner.
  function foldPart(p) {
    if (p.ft) return;
    [p.ft, p.fc, p.fv] = [1, 2, 4].map((k) => fold(p.columns[k]).split('\n'));
    p.columns = null;
  }

  let folding = false;
  function foldWhenIdle() {
    const next = parts.find((p) => !p.ft);
    if (folding || !next) return;
    folding = true;
    (window.requestIdleCallback || setTimeout)(() => {
      folding = false;
      foldPart(next);
      foldWhenIdle();
    });
  }

  function matchesIn(p, k) {
    if (state.dept >= 0 && p.dept[k] !== state.deptText) return false;
    if (state.rights && (!p.rights || p.rights[k] !== state.rights)) return false;
    const t = p.ft[k], c = p.fc[k], v = p.fv[k];
    for (const term of state.terms) {
      if (t.indexOf(term) < 0 && c.indexOf(term) < 0 && v.indexOf(term) < 0) return false;
    }
    return true;
  }

  const matchesWork = (i) => matchesIn(parts[Math.floor(i / meta.indexChunk)], i % meta.indexChunk);

  function filterAll(from) {
    const found = [];
    for (let n = Math.floor(from / meta.indexChunk); n < parts.length; n++) {
      const p = parts[n], base = n * meta.indexChunk;
      if (state.terms.length) foldPart(p);
      for (let k = from > base ? from - base : 0; k < p.ark.length; k++) {
        if (matchesIn(p, k)) found.push(base + k);
      }
    }
    return found;
  }

  // Works that arrived with a new part of the index join the current matches.
  function extendMatches(first) {
    if (state.matches !== null) state.matches = state.matches.concat(filterAll(first));
  }

  function setQuery(query, deptNumber, rights) {
    const terms = fold(query).split(/\s+/).filter(Boolean);
    const narrower = state.matches !== null && deptNumber === state.dept && rights === state.rights &&
      terms.join(' ').startsWith(state.terms.join(' ')) && state.terms.length > 0;
    const previous = state.matches;
    state.query = query; state.terms = terms; state.page = 0;
    state.dept = deptNumber; state.deptText = String(deptNumber); state.rights = rights;
    if (!terms.length && deptNumber < 0 && !rights) state.matches = null;
    else if (narrower) state.matches = previous.filter(matchesWork);  // typing on: narrow
    // (the parts a narrowing looks in were folded by the search it narrows)
    else state.matches = filterAll(0);
    render();
  }

  let scheduled = false;
  function onInput() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      setQuery(search.value, select.value === '' ? -1 : +select.value, rightsSelect.value);
    });
  }

  // -- the grid -----------------------------------------------------------------------------

  const matchCount = () => state.matches === null ? loaded : state.matches.length;
  const pages = () => Math.max(1, Math.ceil(matchCount() / meta.pageSize));

  const workCount = (n) => `${fmt(n)} ${n === 1 ? 'work' : 'works'}`;

  // A search or filter that keeps no work says so, and how to see them all again.
  function showNoMatch() {
    const none = state.matches !== null && !state.matches.length;
    nomatch.hidden = !none;
    if (!none) return;
    const asked = [];
    if (state.query.trim()) asked.push(`matches “${esc(state.query.trim())}”`);
    if (state.dept >= 0) asked.push(`is in ${esc(deptName(state.dept))}`);
    if (state.rights) asked.push(`is ${esc(rightsName(state.rights))}`);
    const still = parts.length < meta.index.length ? ' (yet: the catalogue is still loading)' : '';
    nomatch.innerHTML = `No work ${asked.join(' and ')}${still}. ` +
      '<button type="button" id="clear">Clear the search and filters</button> to see every work.';
  }

  function clearSearch() {
    search.value = '';
    select.value = '';
    rightsSelect.value = '';
    setQuery('', -1, '');
    search.focus();
  }

  function showCount() {
    const loading = parts.length < meta.index.length
      ? ` (loading: ${fmt(loaded)} of ${fmt(meta.works)})` : '';
    const n = matchCount();
    const filtered = state.matches !== null;
    count.textContent = `${workCount(meta.works)} in this catalogue` +
      (filtered ? ` · ${workCount(n)} ${n === 1 ? 'matches' : 'match'}` : '') + loading;
    count.dataset.works = meta.works;
    count.dataset.matches = n;
    count.dataset.loaded = loaded;
    count.dataset.query = state.query;
  }

  function card(i) {
    const w = work(i);
    const picture = w.thumb
      ? `<img loading="lazy" decoding="async" src="${esc(thumbUrl(w.thumb))}" alt="">`
      : `<span class="noimage">${w.images ? 'image not in the store' : 'no image'}</span>`;
    const line = [w.date, deptName(w.dept)].filter(Boolean).map(esc).join(' · ');
    return `<li class="work" data-ark="${esc(w.ark)}"><a href="#work=${encodeURIComponent(w.ark)}">` +
      `<span class="thumb">${picture}</span>` +
      `<span class="title">${esc(w.title || '(untitled)')}</span>` +
      (w.creators ? `<span class="creators">${esc(w.creators)}</span>` : '') +
      `<span class="line">${line}</span>` +
      (w.rights ? `<span class="rights rights-${esc(w.rights)}">${esc(rightsName(w.rights))}</span>` : '') +
      (w.inv ? `<span class="inv">${esc(w.inv)}</span>` : '') + '</a></li>';
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
    if (html.length && timings.firstGrid === undefined) {
      timings.firstGrid = null;  // the frame that shows it:
      requestAnimationFrame(() => { timings.firstGrid = performance.now(); });
    }
    $('pager-top').innerHTML = $('pager-bottom').innerHTML = pager();
    showCount();
    showNoMatch();
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
    const w = work(i);
    // The record's own URL, if it is a web address (a record is untrusted input).
    const url = /^https?:\/\//.test(row.url || '') ? row.url : '';
    detail.innerHTML = '<article>' +
      '<a class="close" href="#" aria-label="Back to the grid">× Close</a>' +
      `<h2>${esc(w.title || '(untitled)')}</h2>` +
      (w.creators ? `<p class="creators">${esc(w.creators)}</p>` : '') +
      `<p class="line">${[w.date, deptName(w.dept), w.inv].filter(Boolean).map(esc).join(' · ')}</p>` +
      (row.rights ? `<p class="rights-line"><span class="rights rights-${esc(row.rights)}">` +
        `${esc(rightsName(row.rights))}</span> ${esc(row.rightsReason || '')}` +
        ' <span class="empty">(an estimate from the record, not legal advice)</span></p>' : '') +
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

  function find(wantedArk) {
    for (let n = 0; n < parts.length; n++) {
      const k = parts[n].ark.indexOf(wantedArk);
      if (k >= 0) return n * meta.indexChunk + k;
    }
    return -1;
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
    const i = find(wanted);
    if (i < 0) {  // not loaded yet (a link into a part still on its way), or not there
      if (parts.length === meta.index.length) {
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
  for (const [value, n] of meta.rights || []) {
    rightsSelect.add(new Option(`${rightsName(value)} (${fmt(n)})`, value));
  }
  search.addEventListener('input', onInput);
  nomatch.addEventListener('click', (event) => { if (event.target.id === 'clear') clearSearch(); });
  select.addEventListener('change', onInput);
  rightsSelect.addEventListener('change', onInput);
  $('pager-top').addEventListener('click', onPage);
  $('pager-bottom').addEventListener('click', onPage);
  window.addEventListener('hashchange', route);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !detail.hidden) location.hash = '';
  });
  showCount();
  if (!meta.works) render();
  // The first part alone, for the first grid; then the others, fetched at once, run in order.
  if (meta.index.length) {
    const first = loadScript(meta.index[0], true);
    first.addEventListener('load', () => { for (const src of meta.index.slice(1)) loadScript(src, true); });
  }
})();
