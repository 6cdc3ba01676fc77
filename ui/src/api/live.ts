import { type LiveChannel, type LiveMessage, liveChannels } from './types';

export type LiveState = 'connecting' | 'open' | 'closed';

export interface LiveSnapshot {
  state: LiveState;
  /** Highest global position seen on any channel: how far behind the log the screen is. */
  lastPosition: number | null;
  messages: number;
  lastMessageAt: number | null;
}

type Listener = (m: LiveMessage) => void;

const isChannel = (c: unknown): c is LiveChannel =>
  typeof c === 'string' && (liveChannels as readonly string[]).includes(c);

const parse = (raw: unknown): LiveMessage | null => {
  if (typeof raw !== 'string') return null;
  try {
    const m: unknown = JSON.parse(raw);
    if (typeof m !== 'object' || m === null) return null;
    const { channel, globalPosition, data } = m as Record<string, unknown>;
    if (!isChannel(channel)) return null;
    return { channel, globalPosition: typeof globalPosition === 'number' ? globalPosition : -1, data };
  } catch {
    return null;
  }
};

/**
 * One WebSocket to `/ws` for the whole app. It reconnects with backoff, and resumes the `events` channel
 * from the last position seen, so an audit view that was open across a server restart has no hole in it.
 */
export class LiveConnection {
  private ws: WebSocket | null = null;
  private listeners = new Set<Listener>();
  private watchers = new Set<() => void>();
  private snapshot: LiveSnapshot = { state: 'closed', lastPosition: null, messages: 0, lastMessageAt: null };
  private lastEventPosition: number | null = null;
  private retryMs = 500;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private notifyTimer: ReturnType<typeof setTimeout> | null = null;
  private pending: LiveSnapshot | null = null;
  private stopped = true;

  constructor(private readonly channels: readonly LiveChannel[] = liveChannels) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.close();
    this.ws = null;
    this.set({ state: 'closed' });
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** For useSyncExternalStore: the snapshot object changes identity only when something changed. */
  watch = (w: () => void): (() => void) => {
    this.watchers.add(w);
    return () => this.watchers.delete(w);
  };

  getSnapshot = (): LiveSnapshot => this.snapshot;

  private set(patch: Partial<LiveSnapshot>): void {
    this.snapshot = { ...(this.pending ?? this.snapshot), ...patch };
    this.pending = null;
    for (const w of this.watchers) w();
  }

  /**
   * Message counters change with every message, thousands a second in an accelerated paper run;
   * watchers (a re-render each) hear about them at most every 250 ms.
   */
  private count(patch: Partial<LiveSnapshot>): void {
    this.pending = { ...(this.pending ?? this.snapshot), ...patch };
    if (this.notifyTimer) return;
    this.notifyTimer = setTimeout(() => {
      this.notifyTimer = null;
      if (this.pending) this.set({});
    }, 250);
  }

  private url(): string {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const params = new URLSearchParams({ channels: this.channels.join(',') });
    if (this.lastEventPosition !== null) params.set('from', String(this.lastEventPosition + 1));
    return `${proto}//${location.host}/ws?${params.toString()}`;
  }

  private connect(): void {
    this.set({ state: 'connecting' });
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.onopen = () => {
      this.retryMs = 500;
      this.set({ state: 'open' });
    };
    ws.onmessage = (ev) => this.receive(parse(ev.data));
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.set({ state: 'closed' });
      if (this.stopped) return;
      this.timer = setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 10_000);
    };
  }

  private receive(m: LiveMessage | null): void {
    if (!m) return;
    if (m.channel === 'events' && m.globalPosition >= 0) {
      // A resumed subscription may repeat the boundary event; the log's order makes this check enough.
      if (this.lastEventPosition !== null && m.globalPosition <= this.lastEventPosition) return;
      this.lastEventPosition = m.globalPosition;
    }
    const current = this.pending ?? this.snapshot;
    const last = current.lastPosition;
    this.count({
      messages: current.messages + 1,
      lastMessageAt: Date.now(),
      lastPosition:
        m.globalPosition >= 0 && (last === null || m.globalPosition > last) ? m.globalPosition : last,
    });
    for (const l of this.listeners) l(m);
  }
}
