// Gnocchi's aggregation method names (gnocchi/archive_policy.py). Aodh validates
// alarm rules against the same list, read from GET /v1/capabilities.

const BASE = ['mean', 'sum', 'last', 'max', 'min', 'std', 'median', 'first', 'count'];
const PERCENTILES = Array.from({ length: 99 }, (_, i) => `${i + 1}pct`);

/** ArchivePolicy.VALID_AGGREGATION_METHODS (upstream is a set; this order is fixed). */
export const VALID_AGGREGATION_METHODS: readonly string[] = (() => {
  const plain = [...BASE, ...PERCENTILES];
  return [...plain, ...plain.map((m) => `rate:${m}`)];
})();

/** [archive_policy] default_aggregation_methods */
export const DEFAULT_AGGREGATION_METHODS: readonly string[] = ['mean', 'min', 'max', 'sum', 'std', 'count'];

/** Operations of the dynamic aggregates API, as listed by GET /v1/capabilities. */
export const DYNAMIC_AGGREGATION_METHODS: readonly string[] = [
  'mean', 'sum', 'last', 'max', 'min', 'std', 'median', 'first', 'count', 'rate:mean', 'rate:sum', 'rate:last',
  'rate:max', 'rate:min', '+', 'add', '-', 'sub', '*', '×', 'mul', '/', '÷', 'div', '**', '^', 'pow', 'clip',
  'clip_min', 'clip_max', 'rolling', 'resample', 'aggregate', 'metric', 'abs', 'absolute', 'neg', 'negative',
  'cos', 'sin', 'tan', 'floor', 'ceil', 'round', 'rateofchange',
];
