-- An independent recomputation of `annual_stats` in DuckDB SQL over the
-- Parquet lake (used by analysis/tests/it/annual.rs and tests/e2e.rs).
-- Placeholders: {lake} = the lake root, {out} = the analysis output folder.
-- From `listing_facts` it takes only what the lexicon, the gazetteer and the
-- exchange rates decide per listing (classification, CITES appendix, seller
-- country, destinations, USD value in cents and the price flag); latest
-- observations, years, specimens, sellers, removals and every aggregate are
-- derived here from the lake.
CREATE VIEW obs AS
  SELECT * FROM read_parquet('{lake}/listings/**/*.parquet', hive_partitioning = true);
CREATE VIEW latest AS
  SELECT * EXCLUDE (rn) FROM (
    SELECT *, row_number() OVER (
      PARTITION BY listing_id
      ORDER BY (status <> 'removed') DESC, observed_at DESC, run_id DESC) AS rn
    FROM obs) WHERE rn = 1;
CREATE VIEW life AS
  SELECT listing_id,
         min(epoch_us(observed_at)) AS first_us,
         max(epoch_us(observed_at)) AS last_us,
         min(epoch_us(observed_at)) FILTER (WHERE status = 'removed') AS removed_us,
         bool_or(status = 'removed') AS removed
  FROM obs GROUP BY listing_id;
CREATE VIEW facts AS SELECT * FROM read_parquet('{out}/tables/listing_facts.parquet');
CREATE VIEW per AS
  SELECT l.listing_id, l.source,
         coalesce(l.posted_date, CAST(make_timestamp(lf.first_us) AS DATE)) AS day,
         year(coalesce(l.posted_date, CAST(make_timestamp(lf.first_us) AS DATE))) AS year,
         f.confidence, f.taxon, f.species, f.taxon_group, f.cites_appendix, f.product_type,
         f.seller_country, f.seller_country_confidence, f.destinations,
         coalesce(l.quantity, 1) AS specimens, l.seller_pseudonym,
         l.price_amount, l.currency,
         f.value_usd_cents, f.price_flag,
         lf.removed,
         (coalesce(lf.removed_us, lf.last_us) - lf.first_us) / 86400000000.0 AS days
  FROM latest l JOIN life lf USING (listing_id) JOIN facts f USING (listing_id);
CREATE VIEW wild AS SELECT * FROM per WHERE confidence IN ('confirmed', 'suspected');
-- The query: annual_stats, in the published column order, sorted.
-- @query
WITH dims AS (
            SELECT 'all' AS dimension, 'all' AS key, * FROM wild
  UNION ALL SELECT 'taxon', coalesce(species, 'unknown'), * FROM wild
  UNION ALL SELECT 'taxon_group', coalesce(taxon_group, 'unknown'), * FROM wild
  UNION ALL SELECT 'cites_appendix', coalesce(cites_appendix, 'unknown'), * FROM wild
  UNION ALL SELECT 'product_type', coalesce(product_type, 'unknown'), * FROM wild
  UNION ALL SELECT 'platform', source, * FROM wild
  UNION ALL SELECT 'seller_country', coalesce(seller_country, 'unknown'), * FROM wild
), agg AS (
  SELECT year, dimension, key, confidence,
         count(*) AS listings, sum(specimens) AS specimens,
         count(DISTINCT seller_pseudonym) AS sellers,
         count(value_usd_cents) AS priced,
         count(*) FILTER (WHERE price_flag IN ('placeholder', 'outlier')) AS implausible,
         count(*) FILTER (WHERE price_flag IN ('no_price', 'no_rate')) AS unpriced,
         coalesce(sum(value_usd_cents), 0) AS cents,
         round(quantile_cont(value_usd_cents, 0.5) / 100, 4) AS median,
         count(*) FILTER (WHERE removed) AS removed
  FROM dims GROUP BY ALL)
SELECT a.year, a.dimension, a.key, a.confidence, a.listings, a.specimens, a.sellers, a.priced,
       a.implausible, a.unpriced, a.cents, a.median, a.removed,
       round(a.removed / a.listings, 4), coalesce(p.listings, 0),
       -- A rate of change only on a base of 5 or more (trends::MIN_YOY_BASE).
       CASE WHEN p.listings >= 5 THEN round((a.listings - p.listings) / p.listings, 4) END
FROM agg a LEFT JOIN agg p
  ON p.dimension = a.dimension AND p.key = a.key AND p.confidence = a.confidence AND p.year = a.year - 1
ORDER BY a.dimension, a.key, a.confidence, a.year
