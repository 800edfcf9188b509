/**
 * The words the MySQL prefetch planner (./prefetch-plan.ts) reads a
 * statement by: what makes a call conditional, the clauses it does not plan,
 * the functions it knows to be plain, volatile, or evaluated first-argument
 * first. Kept apart so the planner reads as the rules, and these as the data.
 */

/** Words that make what follows conditional, or a query of its own (`not` only to stay on the safe side). */
export const CONDITIONAL: ReadonlySet<string> = new Set([
  'case',
  'when',
  'then',
  'else',
  'if',
  'ifnull',
  'nullif',
  'coalesce',
  'nvl',
  'nvl2',
  'decode',
  'decode_oracle',
  'and',
  'or',
  'xor',
  'not',
  'greatest',
  'least',
  'elt',
  'make_set',
  'interval',
  'in',
  'any',
  'some',
  'all',
  'exists',
  'select',
  'over',
  'between',
]);

/** `&&` and `||` are AND and OR (or concatenation under PIPES_AS_CONCAT), `!` is NOT. */
export const CONDITIONAL_OPS: ReadonlySet<string> = new Set(['&&', '||', '!']);

/** Top-level SELECT clauses after which the prefetch would select other rows, or do what the statement does not. */
export const UNPLANNED_CLAUSES: ReadonlySet<string> = new Set([
  'group',
  'having',
  'limit',
  'offset',
  'fetch',
  'union',
  'intersect',
  'except',
  'minus',
  'into',
  'for',
  'lock',
  'window',
  'procedure',
]);

/** Aggregates: one of them in a SELECT without GROUP BY makes one row of the whole source. */
export const AGGREGATES: ReadonlySet<string> = new Set([
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'group_concat',
  'json_arrayagg',
  'json_objectagg',
  'std',
  'stddev',
  'stddev_pop',
  'stddev_samp',
  'variance',
  'var_pop',
  'var_samp',
  'bit_and',
  'bit_or',
  'bit_xor',
  'st_collect',
]);

/**
 * Builtins that return one value per row from their arguments alone: no
 * aggregate, no state, no clock. Anything else in a SELECT list may be an
 * aggregate, and in a site's arguments may compute other values in the
 * prefetch query than in the statement. Cast types are here as `CHAR(10)`.
 */
export const PLAIN_FUNCTIONS: ReadonlySet<string> = new Set(
  [
    // strings
    'ascii bin bit_length char char_length character_length concat concat_ws conv export_set field find_in_set format',
    'from_base64 hex insert instr lcase left length locate lower lpad ltrim mid oct octet_length ord position quote',
    'regexp_instr regexp_like regexp_replace regexp_substr repeat replace reverse right rpad rtrim soundex space strcmp',
    'substr substring substring_index to_base64 trim ucase unhex upper weight_string md5 sha sha1 sha2 crc32',
    // numbers
    'abs acos asin atan atan2 ceil ceiling cos cot degrees exp floor ln log log10 log2 mod pi pow power radians round',
    'sign sin sqrt tan truncate',
    // dates from their arguments (no clock)
    'addtime convert_tz date date_format datediff day dayname dayofmonth dayofweek dayofyear extract from_days hour',
    'last_day makedate maketime microsecond minute month monthname period_add period_diff quarter sec_to_time second',
    'str_to_date subtime time time_format time_to_sec timediff timestamp timestampadd timestampdiff to_days to_seconds',
    'week weekday weekofyear year yearweek',
    // JSON
    'json_array json_array_append json_array_insert json_contains json_contains_path json_depth json_extract json_insert',
    'json_keys json_length json_merge json_merge_patch json_merge_preserve json_object json_overlaps json_pretty',
    'json_quote json_remove json_replace json_search json_set json_type json_unquote json_valid json_value json_compact',
    'json_detailed json_loose',
    // conditionals (CONDITIONAL keeps calls out of their items), casts and the rest
    'if ifnull nullif coalesce greatest least elt make_set interval isnull nvl nvl2 decode decode_oracle',
    'cast convert binary decimal datetime float double real nchar signed unsigned',
    'inet_aton inet_ntoa inet6_aton inet6_ntoa bin_to_uuid uuid_to_bin is_uuid charset collation coercibility',
  ]
    .join(' ')
    .split(' '),
);

/** Words that stand before a parenthesis without calling anything (`x IN (1, 2)`, `ORDER BY (a)`). */
export const NOT_CALLS: ReadonlySet<string> = new Set(
  'and or xor not in exists any some all between like regexp rlike is div when then else case select distinct as escape collate member of using on from for by'.split(
    ' ',
  ),
);

/**
 * Functions that read state or change it: anywhere in the statement they can
 * make the prefetch query's rows or arguments differ from the statement's
 * (RAND, UUID), or the statement read what the prefetch query left behind
 * (FOUND_ROWS, ROW_COUNT).
 */
export const VOLATILE: ReadonlySet<string> = new Set([
  'rand',
  'uuid',
  'uuid_short',
  'sys_guid',
  'random_bytes',
  'sysdate',
  'sleep',
  'benchmark',
  'get_lock',
  'release_lock',
  'release_all_locks',
  'last_insert_id',
  'found_rows',
  'row_count',
  'nextval',
  'lastval',
  'setval',
]);

/** Clock words without parentheses: the prefetch query runs at another time than the statement. */
export const CLOCK_WORDS: ReadonlySet<string> = new Set([
  'current_timestamp',
  'current_time',
  'current_date',
  'localtime',
  'localtimestamp',
  'utc_timestamp',
  'utc_time',
  'utc_date',
]);

/**
 * Functions verified to evaluate their first argument before any other, so
 * that a call written first in them is evaluated whenever they are
 * (`JSON_UNQUOTE(JSON_EXTRACT(f(x), '$.a'))`, `LEFT(f(x), 40)`).
 */
export const FIRST_ARGUMENT_FIRST: ReadonlySet<string> = new Set([
  'json_extract',
  'json_unquote',
  'left',
  'substring',
  'substr',
  'mid',
  'lower',
  'upper',
  'lcase',
  'ucase',
  'ltrim',
  'rtrim',
  'length',
  'char_length',
  'character_length',
  'cast',
  'convert',
]);
