/// <reference lib="dom" />
/**
 * The top-up page (/topup): create a reserve, show how to pay it (with a
 * GiroCode), wait for the payment, withdraw tokens, and after a random delay
 * hand them to the embedding webmail page, which forwards them to its backend
 * for the signed-in mailbox. The hook: the page posts
 *   { type: 'billing-tokens', tokens: string[], amountMinor }
 * to its parent (or opener) at the origin named in <meta name="billing-embed-origin">,
 * and forgets the tokens when that origin answers
 *   { type: 'billing-tokens-redeemed', tokens: string[] }.
 */
import { encode } from 'uqr';
import { epcQrPayload } from '../../codes/epc-qr';
import { redeemDelayMs, TopupClient } from './topup-client';

const RESERVE_KEY = 'billing.reserve';
const SVG = 'http://www.w3.org/2000/svg';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const client = new TopupClient({ storage: window.localStorage });
const embedOrigin =
  document.querySelector<HTMLMetaElement>('meta[name="billing-embed-origin"]')?.content ?? '';
const pollMs = Number(new URLSearchParams(location.search).get('poll') ?? '5000');

function status(text: string): void {
  $('status').textContent = text;
}

/** The QR code as SVG rectangles: no inline style, so the page's CSP holds. */
function girocode(payload: string): SVGSVGElement {
  const qr = encode(payload, { ecc: 'M', border: 4 });
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${qr.size} ${qr.size}`);
  svg.setAttribute('width', String(qr.size * 6));
  svg.setAttribute('height', String(qr.size * 6));
  svg.setAttribute('shape-rendering', 'crispEdges');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'GiroCode for your banking app');
  const background = document.createElementNS(SVG, 'rect');
  background.setAttribute('width', String(qr.size));
  background.setAttribute('height', String(qr.size));
  background.setAttribute('fill', '#fff');
  svg.append(background);
  qr.data.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (!dark) return;
      const cell = document.createElementNS(SVG, 'rect');
      cell.setAttribute('x', String(x));
      cell.setAttribute('y', String(y));
      cell.setAttribute('width', '1');
      cell.setAttribute('height', '1');
      cell.setAttribute('fill', '#000');
      svg.append(cell);
    }),
  );
  return svg;
}

function amountMinor(): number {
  const text = $<HTMLInputElement>('amount').value.trim().replace(',', '.');
  const match = /^(\d{1,6})(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) return 0;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

async function create(): Promise<void> {
  const amount = amountMinor();
  if (amount <= 0) return status('Enter an amount, e.g. 12.00');
  const reserve = await client.createReserve();
  window.localStorage.setItem(RESERVE_KEY, JSON.stringify({ code: reserve.code, amount }));
  show(reserve.code, reserve.transfer, amount);
  void poll();
}

function show(
  code: string,
  transfer: { creditorName: string; iban: string; bic: string },
  amount: number,
): void {
  $('code').textContent = code;
  $('creditor').textContent = transfer.creditorName;
  $('iban').textContent = transfer.iban;
  $('bic').textContent = transfer.bic;
  $('sum').textContent = (amount / 100).toFixed(2);
  const payload = epcQrPayload({ ...transfer, remittance: code, amountMinor: amount });
  const box = $('girocode');
  box.replaceChildren(girocode(payload));
  box.dataset.payload = payload;
  $('pay').hidden = false;
  $('start').hidden = true;
}

async function poll(): Promise<void> {
  const saved = window.localStorage.getItem(RESERVE_KEY);
  if (!saved) return;
  const { code } = JSON.parse(saved) as { code: string };
  try {
    const { balance } = await client.reserveBalance(code);
    if (balance.amountMinor > 0) {
      status('Payment received: fetching your tokens…');
      const tokens = await client.withdraw(code, balance.amountMinor);
      if (tokens.length > 0) {
        window.localStorage.removeItem(RESERVE_KEY);
        status(`Tokens worth ${(sum(tokens) / 100).toFixed(2)} held in this browser.`);
        return scheduleRedemption();
      }
    }
    status('Waiting for your payment…');
  } catch (error) {
    status(`Waiting for your payment… (${(error as Error).message})`);
  }
  setTimeout(() => void poll(), pollMs);
}

const sum = (tokens: { amountMinor: number }[]) => tokens.reduce((s, t) => s + t.amountMinor, 0);

async function scheduleRedemption(): Promise<void> {
  if (client.held().length === 0) return;
  const { 'redeem-delay-max-seconds': max } = await client.directory();
  setTimeout(redeem, redeemDelayMs(max));
}

function redeem(): void {
  const held = client.held();
  const target = window.parent !== window ? window.parent : window.opener;
  if (held.length === 0 || !target || !embedOrigin) return;
  (target as Window).postMessage(
    { type: 'billing-tokens', tokens: held.map((t) => t.token), amountMinor: sum(held) },
    embedOrigin,
  );
  status('Tokens handed to your mailbox…');
}

window.addEventListener('message', (event: MessageEvent) => {
  if (event.origin !== embedOrigin) return;
  const data = event.data as { type?: string; tokens?: unknown };
  if (data?.type !== 'billing-tokens-redeemed' || !Array.isArray(data.tokens)) return;
  client.forget(data.tokens.filter((t): t is string => typeof t === 'string'));
  if (client.held().length === 0) status('Redeemed: your balance is topped up.');
});

$('create').addEventListener('click', () => void create());
const saved = window.localStorage.getItem(RESERVE_KEY);
if (saved) {
  const { code, amount } = JSON.parse(saved) as { code: string; amount: number };
  void client.directory().then(() => void poll());
  $('code').textContent = code;
  $('sum').textContent = (amount / 100).toFixed(2);
}
void scheduleRedemption();
