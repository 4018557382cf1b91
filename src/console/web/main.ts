import './console.css';
import { CODE_LENGTH, displayCode, parseCode } from '../../codes/code-format';
import { formatAmount, parseTypedAmount } from './amount';
import { Locale, STABLE, Words, WORDS } from './i18n';

interface Session {
  name: string;
  role: 'staff' | 'admin';
  locale: Locale;
  csrfToken: string;
}

let session: Session | undefined;
let locale: Locale = navigator.language.startsWith('de') ? 'de' : 'en';
let w: Words = WORDS[locale];
const app = document.getElementById('app')!;
/** The letters of this page's session: a running count and total. */
const tally = { letters: 0, totalMinor: 0 };
const CURRENCY = 'EUR';

type Child = Node | string | undefined | false;
function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, string | boolean | ((e: Event) => void)> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else if (v !== false) el.setAttribute(k, v);
  }
  for (const c of children) if (c) el.append(c);
  return el;
}

/** A label in the account's language that keeps the stable English name for outside tests. */
function label(key: keyof Words, forId: string): HTMLLabelElement {
  return h(
    'label',
    { for: forId },
    w[key],
    w[key] !== STABLE[key] && h('span', { class: 'sr-only', lang: 'en' }, ` (${STABLE[key]})`),
  );
}
function text(key: keyof Words): Node[] {
  return w[key] === STABLE[key]
    ? [document.createTextNode(w[key])]
    : [
        document.createTextNode(w[key]),
        h('span', { class: 'sr-only', lang: 'en' }, ` (${STABLE[key]})`),
      ];
}
function button(
  key: keyof Words,
  props: Record<string, string | boolean | ((e: Event) => void)> = {},
) {
  return h('button', { type: 'submit', ...props }, ...text(key));
}
function field(key: keyof Words, id: string, props: Record<string, string | boolean> = {}) {
  return h('div', { class: 'field' }, label(key, id), h('input', { id, name: id, ...props }));
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    detail: string,
  ) {
    super(detail);
  }
}

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (session && method !== 'GET') headers['x-csrf-token'] = session.csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    const type =
      String(data.type ?? '')
        .split('/')
        .pop() ?? '';
    if (res.status === 401 && session) {
      session = undefined;
      showSignIn(w.sessionEnded);
    }
    throw new ApiError(res.status, type, String(data.detail ?? w.error));
  }
  return data as T;
}

function setLocale(next: Locale): void {
  locale = next;
  w = WORDS[locale];
  document.documentElement.lang = locale;
  document.title = w.title;
}

function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function render(...children: Child[]): void {
  app.replaceChildren(...children.filter((c): c is Node | string => Boolean(c)));
}

// ---- sign-in and enrolment ------------------------------------------------

function showSignIn(message?: string): void {
  setLocale(locale);
  const error = h('p', { role: 'alert', class: 'error' }, message ?? '');
  const form = h(
    'form',
    { class: 'card narrow', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, w.title),
    field('name', 'name', { autocomplete: 'username', required: true }),
    field('password', 'password', {
      type: 'password',
      autocomplete: 'current-password',
      required: true,
    }),
    field('oneTimeCode', 'otp', {
      inputmode: 'numeric',
      autocomplete: 'one-time-code',
      required: true,
      pattern: '[0-9]{6}',
    }),
    button('signIn'),
    error,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = (id: string) => (form.querySelector(`#${id}`) as HTMLInputElement).value;
    try {
      session = await api<Session>('POST', '/v1/staff/session', {
        name: v('name'),
        password: v('password'),
        oneTimeCode: v('otp'),
      });
      setLocale(session.locale);
      route();
    } catch (err) {
      error.textContent =
        err instanceof ApiError && err.status === 401 ? w.signInFailed : (err as Error).message;
      (form.querySelector('#otp') as HTMLInputElement).value = '';
      (form.querySelector('#otp') as HTMLInputElement).focus();
    }
  });
  render(form);
  (form.querySelector('#name') as HTMLInputElement).focus();
}

async function showEnrolment(token: string): Promise<void> {
  const error = h('p', { role: 'alert', class: 'error' });
  let info: { name: string; secret: string; uri: string };
  try {
    info = await api('POST', '/v1/staff/enrolment', { token });
  } catch (err) {
    render(
      h(
        'div',
        { class: 'card narrow' },
        h('h1', {}, w.enrol),
        h('p', { role: 'alert', class: 'error' }, (err as Error).message),
      ),
    );
    return;
  }
  const form = h(
    'form',
    { class: 'card narrow', 'aria-labelledby': 'enrol-title' },
    h('h1', { id: 'enrol-title' }, `${w.enrol}: ${info.name}`),
    h('p', {}, w.enrolSecret),
    h('p', {}, h('code', { class: 'secret', 'data-secret': info.secret }, info.secret)),
    h('p', {}, h('a', { href: info.uri }, info.uri)),
    field('password', 'password', {
      type: 'password',
      autocomplete: 'new-password',
      required: true,
      minlength: '12',
    }),
    field('oneTimeCode', 'otp', {
      inputmode: 'numeric',
      autocomplete: 'one-time-code',
      required: true,
    }),
    button('finishEnrolment'),
    error,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = (id: string) => (form.querySelector(`#${id}`) as HTMLInputElement).value;
    try {
      await api('POST', '/v1/staff/enrolment/completion', {
        token,
        password: v('password'),
        oneTimeCode: v('otp'),
      });
      history.replaceState(null, '', '/staff');
      showSignIn(w.enrolled);
    } catch (err) {
      error.textContent = (err as Error).message;
    }
  });
  render(form);
}

// ---- the frame ------------------------------------------------------------

const SCREENS = [
  'letters',
  'batches',
  'unmatched',
  'statements',
  'books',
  'staff',
  'audit',
] as const;
type Screen = (typeof SCREENS)[number];
const ADMIN_ONLY: Screen[] = ['books', 'staff', 'audit'];

function frame(current: Screen, ...content: Child[]): void {
  const links = SCREENS.filter((s) => session?.role === 'admin' || !ADMIN_ONLY.includes(s)).map(
    (s) =>
      h(
        'li',
        {},
        h(
          'a',
          { href: `#/${s}`, ...(s === current ? { 'aria-current': 'page' } : {}) },
          ...text(s),
        ),
      ),
  );
  const signOut = h('button', { type: 'button', class: 'link' }, ...text('signOut'));
  signOut.addEventListener('click', async () => {
    await api('DELETE', '/v1/staff/session').catch(() => undefined);
    session = undefined;
    showSignIn();
  });
  render(
    h(
      'header',
      {},
      h('span', { class: 'brand' }, w.title),
      h('nav', { 'aria-label': w.title }, h('ul', {}, ...links)),
      h('span', { class: 'who' }, session?.name ?? ''),
      signOut,
    ),
    h(
      'section',
      { class: 'screen', 'aria-labelledby': 'screen-title' },
      h('h1', { id: 'screen-title' }, ...text(current)),
      ...content,
    ),
  );
}

function route(): void {
  if (!session) return showSignIn();
  const screen = (location.hash.replace('#/', '') || 'letters') as Screen;
  const allowed =
    SCREENS.includes(screen) && (session.role === 'admin' || !ADMIN_ONLY.includes(screen));
  (
    ({ letters, batches, unmatched, statements, books, staff, audit }) as Record<Screen, () => void>
  )[allowed ? screen : 'letters']();
}

// ---- letters --------------------------------------------------------------

/** The code's state as typed, checked by the server's own code format. */
function codeState(value: string): { ok: boolean; message: string } {
  const compact = value.replace(/[\s\-_.]/g, '');
  if (compact.length < CODE_LENGTH)
    return { ok: false, message: `${compact.length}/${CODE_LENGTH} ${w.symbols}` };
  const parsed = parseCode(value);
  if (parsed.ok) return { ok: true, message: `${w.checkOk}: ${displayCode(parsed.canonical)}` };
  return { ok: false, message: parsed.problem === 'check' ? w.misread : w.notACode };
}

function letters(): void {
  const status = h('p', { id: 'code-status', class: 'hint', 'aria-live': 'polite' }, '');
  const answer = h('div', { id: 'answer', role: 'status', 'aria-live': 'polite', class: 'answer' });
  const counter = h('p', { class: 'tally', 'aria-live': 'off' });
  const showTally = () =>
    (counter.textContent = `${w.session}: ${tally.letters} ${w.lettersCount}, ${w.total} ${formatAmount(tally.totalMinor, CURRENCY, locale)}`);
  showTally();
  const form = h(
    'form',
    { class: 'card letter', novalidate: true },
    h(
      'div',
      { class: 'field' },
      label('code', 'code'),
      h('input', {
        id: 'code',
        name: 'code',
        autocomplete: 'off',
        spellcheck: 'false',
        autocapitalize: 'characters',
        'aria-describedby': 'code-status',
      }),
    ),
    field('amount', 'amount', { inputmode: 'decimal', autocomplete: 'off' }),
    field('day', 'day', { type: 'date', value: today() }),
    button('recordLetter'),
    status,
  );
  const input = (id: string) => form.querySelector(`#${id}`) as HTMLInputElement;
  input('code').addEventListener('input', () => {
    const state = codeState(input('code').value);
    status.textContent = state.message;
    const full = input('code').value.replace(/[\s\-_.]/g, '').length >= CODE_LENGTH;
    input('code').setAttribute('aria-invalid', String(full && !state.ok));
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    performance.mark('letter-enter');
    const state = codeState(input('code').value);
    if (!state.ok) {
      answer.className = 'answer bad';
      answer.textContent = state.message;
      input('code').setAttribute('aria-invalid', 'true');
      input('code').focus();
      return;
    }
    const amountMinor = parseTypedAmount(input('amount').value);
    if (amountMinor === undefined) {
      answer.className = 'answer bad';
      answer.textContent = w.badAmount;
      input('amount').focus();
      return;
    }
    try {
      const outcome = await api<{ paymentId: string; status: string; reason?: string }>(
        'POST',
        '/v1/cash-payments',
        {
          code: input('code').value,
          amountMinor,
          currency: CURRENCY,
          receivedOn: input('day').value,
        },
      );
      tally.letters++;
      tally.totalMinor += amountMinor;
      showTally();
      answer.className = `answer ${outcome.status === 'credited' ? 'good' : 'warn'}`;
      answer.textContent =
        outcome.status === 'credited'
          ? `${w.credited}: ${formatAmount(amountMinor, CURRENCY, locale)}`
          : `${w.unmatchedAnswer} (${outcome.reason}): ${formatAmount(amountMinor, CURRENCY, locale)}`;
      input('code').value = '';
      input('amount').value = '';
      status.textContent = '';
      input('code').removeAttribute('aria-invalid');
    } catch (err) {
      answer.className = 'answer bad';
      answer.textContent = (err as Error).message;
    }
    input('code').focus();
    performance.measure('letter', 'letter-enter');
  });
  frame('letters', form, answer, counter);
  input('code').focus();
}

// ---- batches with four eyes -------------------------------------------------

async function batches(): Promise<void> {
  const message = h('div', { role: 'status', 'aria-live': 'polite', class: 'answer' });
  const waiting = h('div', { class: 'waiting' });
  const entry = h('div');
  const start = h('button', { type: 'button' }, ...text('newBatch'));
  start.addEventListener('click', () => newBatch(entry, message, load));
  async function load(): Promise<void> {
    const { items } = await api<{
      items: {
        batchId: string;
        enteredBy: string;
        receivedOn: string;
        currency: string;
        letters: number;
      }[];
    }>('GET', '/v1/cash-batch-drafts');
    waiting.replaceChildren(
      h('h2', {}, w.waiting),
      ...(items.length === 0 ? [h('p', {}, w.noBatches)] : []),
    );
    for (const d of items) {
      const id = `total-${d.batchId}`;
      const form = h(
        'form',
        {
          class: 'card',
          'aria-label': `${d.receivedOn}, ${d.letters} ${w.lettersCount}, ${w.enteredBy} ${d.enteredBy}`,
        },
        h(
          'p',
          {},
          `${d.receivedOn} · ${d.letters} ${w.lettersCount} · ${w.enteredBy} ${d.enteredBy}`,
        ),
        h(
          'div',
          { class: 'field' },
          label('countedTotal', id),
          h('input', { id, inputmode: 'decimal', autocomplete: 'off' }),
        ),
        button('confirmBatch'),
      );
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const total = parseTypedAmount((form.querySelector('input') as HTMLInputElement).value);
        if (total === undefined) {
          message.className = 'answer bad';
          message.textContent = w.badAmount;
          return;
        }
        try {
          const outcome = await api<{ credited: number; unmatched: number }>(
            'POST',
            `/v1/cash-batch-drafts/${d.batchId}/confirmation`,
            { countedTotalMinor: total },
          );
          message.className = 'answer good';
          message.textContent = `${w.batchRecorded}: ${outcome.credited} ${w.credited.toLowerCase()}, ${outcome.unmatched} ${w.unmatched.toLowerCase()}`;
          await load();
        } catch (err) {
          const e2 = err as ApiError;
          message.className = 'answer bad';
          message.textContent =
            e2.type === 'same-person'
              ? w.samePerson
              : e2.type === 'totals-do-not-add-up'
                ? w.countDiffers
                : e2.message;
        }
      });
      waiting.append(form);
    }
  }
  frame('batches', start, entry, message, waiting);
  await load().catch(() => undefined);
}

function newBatch(container: HTMLElement, message: HTMLElement, reload: () => Promise<void>): void {
  const entries: { code: string; amountMinor: number }[] = [];
  const list = h('ol', { class: 'entries' });
  const sum = h('p', { class: 'tally' });
  const status = h('p', { id: 'batch-code-status', class: 'hint', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'card letter', novalidate: true, 'aria-label': w.newBatch },
    field('day', 'batch-day', { type: 'date', value: today() }),
    h(
      'div',
      { class: 'field' },
      label('code', 'batch-code'),
      h('input', {
        id: 'batch-code',
        autocomplete: 'off',
        spellcheck: 'false',
        'aria-describedby': 'batch-code-status',
      }),
    ),
    field('amount', 'batch-amount', { inputmode: 'decimal', autocomplete: 'off' }),
    button('addLetter'),
    status,
  );
  const input = (id: string) => form.querySelector(`#${id}`) as HTMLInputElement;
  input('batch-code').addEventListener(
    'input',
    () => (status.textContent = codeState(input('batch-code').value).message),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const state = codeState(input('batch-code').value);
    const amountMinor = parseTypedAmount(input('batch-amount').value);
    if (!state.ok || amountMinor === undefined) {
      message.className = 'answer bad';
      message.textContent = !state.ok ? state.message : w.badAmount;
      input(!state.ok ? 'batch-code' : 'batch-amount').focus();
      return;
    }
    entries.push({ code: input('batch-code').value, amountMinor });
    list.append(
      h(
        'li',
        {},
        `${displayCode(parseCode(input('batch-code').value).ok ? (parseCode(input('batch-code').value) as { canonical: string }).canonical : '')} · ${formatAmount(amountMinor, CURRENCY, locale)}`,
      ),
    );
    sum.textContent = `${entries.length} ${w.lettersCount}`;
    input('batch-code').value = '';
    input('batch-amount').value = '';
    status.textContent = '';
    input('batch-code').focus();
  });
  const submit = h('button', { type: 'button' }, ...text('submitBatch'));
  submit.addEventListener('click', async () => {
    if (entries.length === 0) return;
    try {
      await api('POST', '/v1/cash-batch-drafts', {
        receivedOn: input('batch-day').value,
        currency: CURRENCY,
        entries,
      });
      container.replaceChildren();
      await reload();
    } catch (err) {
      message.className = 'answer bad';
      message.textContent = (err as Error).message;
    }
  });
  container.replaceChildren(form, list, sum, submit);
  input('batch-code').focus();
}

// ---- unmatched queue --------------------------------------------------------

interface Unmatched {
  paymentId: string;
  channel: string;
  amountMinor: number;
  currency: string;
  bookedOn: string;
  payerName?: string;
  payerIban?: string;
  remittance?: string;
  reason: string;
}

async function unmatched(): Promise<void> {
  const message = h('div', { role: 'status', 'aria-live': 'polite', class: 'answer' });
  const channel = h(
    'select',
    { id: 'filter-channel' },
    ...['', 'bank', 'cash', 'paypal'].map((c) => h('option', { value: c }, c || w.all)),
  );
  const reason = h(
    'select',
    { id: 'filter-reason' },
    ...['', 'no-code', 'unknown-code', 'currency', 'amount-limit', 'reversal'].map((c) =>
      h('option', { value: c }, c || w.all),
    ),
  );
  const table = h('div');
  const detail = h('div');
  let items: Unmatched[] = [];
  const draw = () => {
    const shown = items.filter(
      (i) =>
        (!channel.value || i.channel === channel.value) &&
        (!reason.value || i.reason === reason.value),
    );
    if (shown.length === 0) return table.replaceChildren(h('p', {}, w.queueEmpty));
    table.replaceChildren(
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...[w.day, w.channel, w.amount, w.reason, ''].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h(
          'tbody',
          {},
          ...shown.map((i) => {
            const open = h(
              'button',
              {
                type: 'button',
                'aria-label': `${w.open} ${i.bookedOn} ${formatAmount(i.amountMinor, i.currency, locale)}`,
              },
              w.open,
            );
            open.addEventListener('click', () => openItem(i));
            return h(
              'tr',
              {},
              h('td', {}, i.bookedOn),
              h('td', {}, i.channel),
              h('td', { class: 'num' }, formatAmount(i.amountMinor, i.currency, locale)),
              h('td', {}, i.reason),
              h('td', {}, open),
            );
          }),
        ),
      ),
    );
  };
  const load = async () => {
    items = (await api<{ items: Unmatched[] }>('GET', '/v1/unmatched-payments?limit=500')).items;
    draw();
  };
  const openItem = (i: Unmatched) => {
    const action = h(
      'select',
      { id: 'resolve-action' },
      ...['credit-code', 'refunded', 'kept'].map((a) => h('option', { value: a }, a)),
    );
    const form = h(
      'form',
      { class: 'card', 'aria-label': `${w.payment} ${i.paymentId}` },
      h(
        'dl',
        {},
        ...[
          [w.day, i.bookedOn],
          [w.channel, i.channel],
          [w.amount, formatAmount(i.amountMinor, i.currency, locale)],
          [w.reason, i.reason],
          ['Remittance', i.remittance ?? ''],
          ['Payer', [i.payerName, i.payerIban].filter(Boolean).join(' · ')],
        ].flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
      ),
      h('div', { class: 'field' }, label('action', 'resolve-action'), action),
      field('codeToCredit', 'resolve-code', { autocomplete: 'off', spellcheck: 'false' }),
      h(
        'div',
        { class: 'field' },
        label('note', 'resolve-note'),
        h('textarea', { id: 'resolve-note', required: true, rows: '2' }),
      ),
      button('resolve'),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const note = (form.querySelector('#resolve-note') as HTMLTextAreaElement).value.trim();
      if (!note) {
        message.className = 'answer bad';
        message.textContent = `${w.note}?`;
        (form.querySelector('#resolve-note') as HTMLTextAreaElement).focus();
        return;
      }
      const body: Record<string, string> = { action: action.value, note };
      if (action.value === 'credit-code')
        body.code = (form.querySelector('#resolve-code') as HTMLInputElement).value;
      try {
        const r = await api<{ status: string }>(
          'POST',
          `/v1/unmatched-payments/${i.paymentId}/resolution`,
          body,
        );
        message.className = 'answer good';
        message.textContent = `${w.resolved}: ${r.status}`;
        detail.replaceChildren();
        await load();
      } catch (err) {
        message.className = 'answer bad';
        message.textContent = (err as Error).message;
      }
    });
    detail.replaceChildren(form);
    action.focus();
  };
  channel.addEventListener('change', draw);
  reason.addEventListener('change', draw);
  frame(
    'unmatched',
    h(
      'div',
      { class: 'filters' },
      h('div', { class: 'field' }, label('channel', 'filter-channel'), channel),
      h('div', { class: 'field' }, label('reason', 'filter-reason'), reason),
    ),
    message,
    table,
    detail,
  );
  await load().catch(() => undefined);
}

// ---- statements -------------------------------------------------------------

function statements(): void {
  const progress = h('progress', { max: '100', value: '0', 'aria-label': w.upload });
  const report = h('div', { role: 'status', 'aria-live': 'polite', class: 'answer' });
  const form = h(
    'form',
    { class: 'card' },
    h(
      'div',
      { class: 'field' },
      label('statementFile', 'statement-file'),
      h('input', {
        id: 'statement-file',
        type: 'file',
        accept: '.xml,.zip,application/xml,application/zip',
      }),
    ),
    button('upload'),
    progress,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const file = (form.querySelector('#statement-file') as HTMLInputElement).files?.[0];
    if (!file) return;
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/v1/bank-statements');
    xhr.setRequestHeader(
      'content-type',
      /\.zip$/i.test(file.name) ? 'application/zip' : 'application/xml',
    );
    xhr.setRequestHeader('x-csrf-token', session?.csrfToken ?? '');
    xhr.upload.addEventListener('progress', (p) => {
      if (p.lengthComputable) progress.value = Math.round((100 * p.loaded) / p.total);
    });
    xhr.addEventListener('load', () => {
      progress.value = 100;
      const data = JSON.parse(xhr.responseText || '{}') as Record<string, unknown>;
      if (xhr.status === 401) return showSignIn(w.sessionEnded);
      if (xhr.status >= 400) {
        report.className = 'answer bad';
        report.textContent = String(data.detail ?? w.error);
        return;
      }
      const credits = data.credits as Record<string, number>;
      report.className = 'answer good';
      report.replaceChildren(
        h('h2', {}, w.uploaded),
        h(
          'dl',
          {},
          ...[
            ['files', data.files],
            ['entries', data.entries],
            [w.credited, credits.credited],
            [w.unmatched, credits.unmatched],
            ['duplicate', credits.duplicate],
          ].flatMap(([k, v]) => [h('dt', {}, String(k)), h('dd', {}, String(v))]),
        ),
      );
    });
    xhr.send(file);
  });
  frame('statements', form, report);
}

// ---- books (admin) ------------------------------------------------------------

const SVG = 'http://www.w3.org/2000/svg';
function svg(
  tag: string,
  attrs: Record<string, string | number>,
  ...children: (Node | string)[]
): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

function barChart(
  title: string,
  bars: { label: string; value: number; series: string }[],
  format: (v: number) => string,
): Node {
  const width = 640;
  const height = 200;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const bw = bars.length ? Math.max(2, Math.floor((width - 40) / bars.length) - 2) : 0;
  const chart = svg(
    'svg',
    { viewBox: `0 0 ${width} ${height + 30}`, role: 'img', 'aria-label': title, class: 'chart' },
    svg('title', {}, title),
  );
  bars.forEach((b, i) => {
    const bh = Math.round((b.value / max) * height);
    chart.append(
      svg(
        'rect',
        { x: 30 + i * (bw + 2), y: height - bh, width: bw, height: bh, class: `bar ${b.series}` },
        svg('title', {}, `${b.label}: ${format(b.value)}`),
      ),
    );
  });
  chart.append(
    svg('text', { x: 0, y: 12, class: 'axis' }, format(max)),
    svg('line', { x1: 28, y1: height, x2: width, y2: height, class: 'axis' }),
  );
  const table = h(
    'table',
    { class: 'sr-only' },
    h('caption', {}, title),
    h(
      'tbody',
      {},
      ...bars.map((b) =>
        h('tr', {}, h('th', { scope: 'row' }, b.label), h('td', {}, format(b.value))),
      ),
    ),
  );
  return h('figure', {}, h('figcaption', {}, title), chart, table);
}

async function books(): Promise<void> {
  const out = h('div');
  const to = today();
  const fromDate = new Date();
  fromDate.setDate(fromDate.getDate() - 30);
  const from = fromDate.toISOString().slice(0, 10);
  const form = h(
    'form',
    { class: 'filters' },
    field('from', 'books-from', { type: 'date', value: from }),
    field('to', 'books-to', { type: 'date', value: to }),
    button('show'),
  );
  const show = async () => {
    const f = (form.querySelector('#books-from') as HTMLInputElement).value;
    const t = (form.querySelector('#books-to') as HTMLInputElement).value;
    const rec = await api<{
      consistent: boolean;
      currency: string;
      days: {
        date: string;
        payments: {
          channel: string;
          credited: { amountMinor: number };
          refunded: { count: number; amountMinor: number };
          kept: { count: number; amountMinor: number };
        }[];
      }[];
    }>('GET', `/v1/reports/reconciliation?from=${f}&to=${t}`);
    const sets = await api<{ sizes: { size: number; groups: number; credits: number }[] }>(
      'GET',
      `/v1/reports/anonymity-sets?from=${f}&to=${t}`,
    );
    const bars: { label: string; value: number; series: string }[] = [];
    let refunded = 0;
    let kept = 0;
    for (const day of rec.days)
      for (const channel of ['bank', 'cash', 'paypal']) {
        const rows = day.payments.filter((p) => p.channel === channel);
        const value = rows.reduce((s, p) => s + p.credited.amountMinor, 0);
        refunded += rows.reduce((s, p) => s + p.refunded.amountMinor, 0);
        kept += rows.reduce((s, p) => s + p.kept.amountMinor, 0);
        if (value > 0) bars.push({ label: `${day.date} ${channel}`, value, series: channel });
      }
    const money = (v: number) => formatAmount(v, rec.currency, locale);
    out.replaceChildren(
      h(
        'p',
        { class: rec.consistent ? 'answer good' : 'answer bad' },
        rec.consistent ? w.consistent : w.inconsistent,
      ),
      barChart(w.dailyAmounts, bars, money),
      h(
        'p',
        { class: 'legend' },
        h('span', { class: 'key bank' }, 'bank'),
        ' ',
        h('span', { class: 'key cash' }, 'cash'),
        ' ',
        h('span', { class: 'key paypal' }, 'paypal'),
      ),
      barChart(
        w.anonymitySets,
        sets.sizes.map((s) => ({ label: `${s.size}`, value: s.credits, series: 'sets' })),
        (v) => String(v),
      ),
      h('h2', {}, w.writeOffs),
      h(
        'dl',
        {},
        h('dt', {}, 'refunded'),
        h('dd', {}, money(refunded)),
        h('dt', {}, 'kept'),
        h('dd', {}, money(kept)),
      ),
      h(
        'p',
        {},
        h(
          'a',
          { href: `/v1/reports/vat?from=${f.slice(0, 7)}&to=${t.slice(0, 7)}`, download: '' },
          w.vatCsv,
        ),
      ),
    );
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void show();
  });
  frame('books', form, out);
  await show().catch(() => undefined);
}

// ---- staff and audit (admin) ------------------------------------------------------

async function staff(): Promise<void> {
  const message = h('div', { role: 'status', 'aria-live': 'polite', class: 'answer' });
  const table = h('div');
  const load = async () => {
    const { items } = await api<{
      items: { name: string; role: string; status: string; lastSignInAt: string | null }[];
    }>('GET', '/v1/staff-accounts');
    table.replaceChildren(
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...[w.name, w.role, w.status, w.lastSignIn, ''].map((t) =>
              h('th', { scope: 'col' }, t),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          ...items.map((a) => {
            const off = h(
              'button',
              { type: 'button', 'aria-label': `${w.disable} ${a.name}` },
              w.disable,
            );
            off.disabled = a.status === 'disabled' || a.name === session?.name;
            off.addEventListener('click', async () => {
              await api('POST', `/v1/staff-accounts/${encodeURIComponent(a.name)}/disable`);
              message.textContent = `${a.name}: disabled`;
              await load();
            });
            return h(
              'tr',
              {},
              h('td', {}, a.name),
              h('td', {}, a.role),
              h('td', {}, a.status),
              h('td', {}, a.lastSignInAt ? new Date(a.lastSignInAt).toLocaleString(locale) : '—'),
              h('td', {}, off),
            );
          }),
        ),
      ),
    );
  };
  frame('staff', message, table);
  await load().catch(() => undefined);
}

async function audit(): Promise<void> {
  const { items } = await api<{
    items: {
      seq: number;
      at: string;
      actor: string;
      action: string;
      paymentId: string | null;
      detail: string;
    }[];
  }>('GET', '/v1/audit-records?limit=200');
  frame(
    'audit',
    h(
      'p',
      {},
      h('a', { href: '/v1/audit-records/export', download: 'audit-trail.csv' }, w.exportCsv),
    ),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['#', w.when, w.who, w.what, w.payment, ''].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      h(
        'tbody',
        {},
        ...items.map((r) =>
          h(
            'tr',
            {},
            h('td', { class: 'num' }, String(r.seq)),
            h('td', {}, new Date(r.at).toLocaleString(locale)),
            h('td', {}, r.actor),
            h('td', {}, r.action),
            h('td', { class: 'mono' }, r.paymentId ?? ''),
            h('td', { class: 'mono' }, r.detail),
          ),
        ),
      ),
    ),
  );
}

// ---- start ----------------------------------------------------------------------

async function start(): Promise<void> {
  setLocale(locale);
  if (location.pathname.endsWith('/enrol') && location.hash.length > 1)
    return showEnrolment(location.hash.slice(1));
  try {
    session = await api<Session>('GET', '/v1/staff/session');
    setLocale(session.locale);
    route();
  } catch {
    showSignIn();
  }
}

window.addEventListener('hashchange', () => {
  if (!location.pathname.endsWith('/enrol')) route();
});
void start();
