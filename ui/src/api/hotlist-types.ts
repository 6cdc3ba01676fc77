/**
 * Shapes of the hotlist routes: `GET /api/hotlist` and the three approver actions. The hotlist ranks
 * symbols that are moving and labels their risks; a symbol is traded only after a person enables it,
 * acknowledging those labels.
 */

export type LabelSeverity = 'info' | 'warn' | 'danger';

export interface RiskLabel {
  /** e.g. new-listing, thin-history, extreme-volatility, funding-extreme, pump, dump, low-liquidity… */
  code: string;
  severity: LabelSeverity;
  /** The numbers behind the label, in words: what an approver reads before ticking it. */
  detail: string;
}

export interface Dimension {
  name: 'turnover-surge' | 'volatility' | 'funding' | 'momentum' | (string & {});
  value: number | null;
  /** 0..1, this dimension's part of the candidate's score. */
  score: number;
  detail: string;
}

export type CandidateStatus = 'candidate' | 'whitelisted' | 'declined';

export interface PriceBand {
  low: number;
  high: number;
}

/** Where the price went in the last 24h and where it may go in the next, from its realised volatility. */
export interface PriceRange {
  high24h: number;
  low24h: number;
  /** σ of the hourly log returns read, and scaled to a day (× √24). */
  sigmaHourly: number;
  sigma24h: number;
  returns: number;
  /** The last 24h's own σ scaled to a day: context, not used for the bands. */
  recentSigma24h: number;
  /** The last close × exp(∓1σ) and exp(∓2σ). */
  expected1: PriceBand;
  expected2: PriceBand;
  detail: string;
}

/** The highest whole leverage a severe 24h move does not liquidate, with how it was worked out. */
export interface SafeLeverage {
  leverage: number;
  severeMove: number;
  percentileMove: number | null;
  windows: number;
  sigmaMove: number;
  maintenanceRate: number | null;
  maxLeverage: number | null;
  bracketCap: number | null;
  capped: boolean;
  detail: string;
}

export type SentimentBand = 'extreme-fear' | 'fear' | 'neutral' | 'greed' | 'extreme-greed';

/**
 * The market's mood at the scan, 0..100, derived from the scanned symbols' own bars and funding: not
 * the alternative.me Crypto Fear & Greed Index.
 */
export interface MarketSentiment {
  name: 'derived-fear-greed';
  /** Where the figure comes from, in words. */
  basis: string;
  value: number;
  band: SentimentBand;
  components: {
    name: 'momentum' | 'volatility' | 'funding' | 'volume' | (string & {});
    value: number | null;
    /** 0 (fear) .. 100 (greed). */
    score: number | null;
    symbols: number;
    detail: string;
  }[];
  /** Each symbol's share of the average: its 24h turnover ÷ the total. */
  weights: { symbol: string; weight: number }[];
  detail: string;
}

export interface Candidate {
  symbol: string;
  /** 0..1 */
  score: number;
  rank: number;
  dimensions: Dimension[];
  labels: RiskLabel[];
  /** USDT over the last 24 hours. */
  turnover24h: number;
  /** A fraction: 0.05 is +5 %. */
  return24h: number;
  lastPrice: number;
  lastBarOpen: string;
  bars: number;
  /** Null (or absent from an older server) for a scan recorded before these figures existed. */
  priceRange?: PriceRange | null;
  safeLeverage?: SafeLeverage | null;
  status: CandidateStatus;
}

export interface HotlistScan {
  scanId: string;
  /** Market time the scan looked at. */
  at: string;
  /** 'recorded' (../shared/data) or a venue's live feed ('binance'). */
  source: string;
  candidates: Candidate[];
  skipped: { symbol: string; reason: string }[];
  /** Null when the scan scored no symbol or was recorded before the sentiment existed. */
  sentiment?: MarketSentiment | null;
}

export interface WhitelistEntry {
  symbol: string;
  approver: string;
  scanId: string;
  approvedAt: string;
  /** Every label the candidate carried when it was enabled… */
  labels: RiskLabel[];
  /** …and the codes of those the approver ticked. */
  acknowledged: string[];
  note: string;
}

export interface HotlistDecision {
  kind: 'approved' | 'declined' | 'removed';
  symbol: string;
  approver: string;
  at: string;
  scanId: string | null;
  /** The approval's note, or the reason of a decline or a removal. */
  text: string;
}

export interface Hotlist {
  scan: HotlistScan | null;
  whitelist: WhitelistEntry[];
  /** Traded because the operator configured them, not through the hotlist: not removable here. */
  configured: string[];
  /**
   * The symbols the node's runs trade now, when the server says (the contract does not promise it): a
   * symbol enabled while the node runs is taken up by its runs when they next start.
   */
  trading?: string[];
  history: HotlistDecision[];
}

export interface HotlistApproveBody {
  symbol: string;
  scanId: string;
  acknowledged: string[];
  note?: string;
}
export interface HotlistDeclineBody {
  symbol: string;
  scanId: string;
  reason: string;
}
export interface HotlistRemoveBody {
  symbol: string;
  reason: string;
}

export interface HotlistActionResult {
  symbol: string;
  event: 'HotlistSymbolApproved' | 'HotlistSymbolDeclined' | 'WhitelistSymbolRemoved';
}
