//! Every published table's columns, in order, one constant per column.
//! A column that means the same in several tables (same name, type and
//! definition) is one constant in [`shared`]; each table's module
//! re-exports the shared columns it has, so a builder writes
//! `annual_stats::YEAR` or `routes::LISTINGS` whatever the column's origin.
//!
//! It owns the names, types and definitions only (see the parent module).

use super::{Column, ColumnType, DefinitionOrder, Files, Table, files};

const fn col(name: &'static str, ty: ColumnType) -> Column {
    Column::new(name, ty)
}

/// Columns that mean the same in several tables.
pub mod shared {
    use super::*;

    /// Year of posting (listed once, under `*`, in the definitions table).
    pub const YEAR: Column = col("year", ColumnType::Int32).defined(
        "Year of the listing's stated posting date (of its first sighting when it states none; listing_facts.date_basis says which).",
    );
    /// confirmed or suspected (also decoy or none in the per-listing tables;
    /// listed once, under `*`, in the definitions table).
    pub const CONFIDENCE: Column = col("confidence", ColumnType::Utf8).defined(
        "confirmed: a species or higher taxon is named; suspected: only a code word or a bare product word implies a taxon group (decoys and unrecognised listings are left out).",
    );
    /// `<source>:<site id>`.
    pub const LISTING_ID: Column = col("listing_id", ColumnType::Utf8);
    /// The platform (the lake's `source`).
    pub const SOURCE: Column = col("source", ColumnType::Utf8);
    pub const TAXON_GROUP: Column = col("taxon_group", ColumnType::Utf8);
    /// Scientific name.
    pub const TAXON: Column = col("taxon", ColumnType::Utf8);
    pub const PRODUCT_TYPE: Column = col("product_type", ColumnType::Utf8);
    /// Stated quantity, one when none is stated (summed in aggregates).
    pub const SPECIMENS: Column = col("specimens", ColumnType::Int64);
    /// Distinct listings.
    pub const LISTINGS: Column = col("listings", ColumnType::Int64);
    /// Listings seen removed.
    pub const REMOVED_COUNT: Column = col("removed", ColumnType::Int64);
    /// Whether the listing was seen removed.
    pub const REMOVED_FLAG: Column = col("removed", ColumnType::Bool);
    /// removed / listings, 4 decimals.
    pub const REMOVED_SHARE: Column = col("removed_share", ColumnType::Float64);
    pub const KEY: Column = col("key", ColumnType::Utf8);
    /// `YYYY-MM`.
    pub const MONTH: Column = col("month", ColumnType::Utf8);
    pub const KIND: Column = col("kind", ColumnType::Utf8);
    pub const GROUP_KIND: Column = col("group_kind", ColumnType::Utf8);
    pub const GROUP: Column = col("group", ColumnType::Utf8);
}

/// `annual_by_taxon_group`: confirmed and suspected listings per year, taxon
/// group and confidence.
pub mod annual_by_taxon_group {
    pub use super::shared::{CONFIDENCE, LISTINGS, SPECIMENS, TAXON_GROUP, YEAR};
}
pub const ANNUAL: Table = Table {
    name: "annual_by_taxon_group",
    files: files!("annual_by_taxon_group"),
    columns: &[
        annual_by_taxon_group::YEAR,
        annual_by_taxon_group::TAXON_GROUP,
        annual_by_taxon_group::CONFIDENCE,
        annual_by_taxon_group::LISTINGS,
        annual_by_taxon_group::SPECIMENS,
    ],
    definition_order: DefinitionOrder::Columns,
};

/// `removals_by_source`: every listing of a platform (decoys included) and
/// how many were seen removed.
pub mod removals_by_source {
    pub use super::shared::{LISTINGS, REMOVED_COUNT as REMOVED, REMOVED_SHARE, SOURCE};
}
pub const REMOVALS: Table = Table {
    name: "removals_by_source",
    files: files!("removals_by_source"),
    columns: &[
        removals_by_source::SOURCE,
        removals_by_source::LISTINGS,
        removals_by_source::REMOVED,
        removals_by_source::REMOVED_SHARE,
    ],
    definition_order: DefinitionOrder::Columns,
};

/// `listing_classification`: one row per listing, its classification and
/// counting facts.
pub mod listing_classification {
    use super::*;

    pub use super::shared::{
        CONFIDENCE, LISTING_ID, PRODUCT_TYPE, REMOVED_FLAG as REMOVED, SOURCE, SPECIMENS, TAXON,
        TAXON_GROUP, YEAR,
    };
    pub const LIVE: Column = col("live", ColumnType::Bool);
    pub const MATCHED_TERMS: Column = col("matched_terms", ColumnType::Utf8);
    pub const LEXICON_VERSION: Column = col("lexicon_version", ColumnType::Utf8);
}
pub const CLASSIFICATION: Table = Table {
    name: "listing_classification",
    files: files!("listing_classification"),
    columns: &[
        listing_classification::LISTING_ID,
        listing_classification::SOURCE,
        listing_classification::YEAR,
        listing_classification::TAXON_GROUP,
        listing_classification::TAXON,
        listing_classification::PRODUCT_TYPE,
        listing_classification::LIVE,
        listing_classification::CONFIDENCE,
        listing_classification::SPECIMENS,
        listing_classification::REMOVED,
        listing_classification::MATCHED_TERMS,
        listing_classification::LEXICON_VERSION,
    ],
    definition_order: DefinitionOrder::Columns,
};

/// `annual_stats`: confirmed and suspected listings per year × dimension key
/// × confidence.
pub mod annual_stats {
    use super::*;

    pub use super::shared::{CONFIDENCE, YEAR};
    pub const DIMENSION: Column = col("dimension", ColumnType::Utf8).defined(
        "What the row splits by: all, taxon, taxon_group, cites_appendix, product_type, platform (the lake's source) or seller_country.",
    );
    pub const KEY: Column = col("key", ColumnType::Utf8).defined(
        "The value of the dimension (species, group, appendix, product, site, ISO 3166-1 alpha-2 country); `unknown` when the listing does not give it (for taxon: when it is not named to species); `all` for dimension all.",
    );
    pub const RANK: Column = col("rank", ColumnType::Utf8).defined(
        "The one taxonomic rank every key of the dimension is at: species for dimension taxon (a listing naming only a family or genus counts as unknown), taxon_group for dimension taxon_group (the lexicon's reporting group); empty for the other dimensions.",
    );
    pub const LISTINGS: Column = col("listings", ColumnType::Int64)
        .defined("Distinct listings (distinct listing_id), however often observed.");
    pub const SPECIMENS: Column = col("specimens", ColumnType::Int64).defined(
        "Sum of the stated quantity of each listing, counting a listing that states none as one.",
    );
    pub const SELLERS: Column = col("sellers", ColumnType::Int64)
        .defined("Distinct pseudonymous sellers (keyed-hash pseudonyms; never handles).");
    pub const PRICED_LISTINGS: Column = col("priced_listings", ColumnType::Int64).defined(
        "Listings whose price counts in the value totals: stated, converted at a rate of the run's rate sources, and plausible.",
    );
    pub const IMPLAUSIBLE_PRICES: Column = col("implausible_prices", ColumnType::Int64).defined(
        "Listings whose price is a placeholder (0, 1, 999999, 9999999, 99999999 in its own currency) or an outlier (beyond 3.5 × 1.4826 × MAD of log10 USD prices in its taxon group × product type, when that cell has 8 or more prices); counted here, left out of value totals.",
    );
    pub const UNPRICED_LISTINGS: Column = col("unpriced_listings", ColumnType::Int64).defined(
        "Listings without a stated price, or whose price was not converted (no rate for its currency at its date in any rate source; see unconverted_prices); left out of the value totals.",
    );
    pub const TOTAL_VALUE_USD: Column = col("total_value_usd", ColumnType::Float64).defined(
        "Sum of the priced listings' USD values, each rounded half-to-even to cents (exact).",
    );
    pub const MEDIAN_VALUE_USD: Column = col("median_value_usd", ColumnType::Float64).defined(
        "Median USD value of the priced listings (mean of the two middle values when even); empty when none is priced.",
    );
    pub const REMOVED: Column =
        col("removed", ColumnType::Int64).defined("Listings observed removed by a later revisit.");
    pub const REMOVED_SHARE: Column =
        col("removed_share", ColumnType::Float64).defined("removed / listings, 4 decimals.");
    pub const LISTINGS_PREV_YEAR: Column = col("listings_prev_year", ColumnType::Int64).defined(
        "Listings of the same dimension, key and confidence in the previous year (0 when none).",
    );
    pub const LISTINGS_YOY_CHANGE: Column = col("listings_yoy_change", ColumnType::Float64).defined(
        "(listings - listings_prev_year) / listings_prev_year, 4 decimals; empty when the previous year had fewer than 5 listings (too small a base for a rate of change).",
    );
    pub const DATED_BY_FIRST_SEEN: Column = col("dated_by_first_seen", ColumnType::Int64).defined(
        "Of the listings, those stating no posting date: counted in the year of their first sighting (listing_facts.date_basis = first_seen).",
    );
}
pub const ANNUAL_STATS: Table = Table {
    name: "annual_stats",
    files: files!("annual_stats", parquet),
    columns: &[
        annual_stats::YEAR,
        annual_stats::DIMENSION,
        annual_stats::KEY,
        annual_stats::RANK,
        annual_stats::CONFIDENCE,
        annual_stats::LISTINGS,
        annual_stats::SPECIMENS,
        annual_stats::SELLERS,
        annual_stats::PRICED_LISTINGS,
        annual_stats::IMPLAUSIBLE_PRICES,
        annual_stats::UNPRICED_LISTINGS,
        annual_stats::TOTAL_VALUE_USD,
        annual_stats::MEDIAN_VALUE_USD,
        annual_stats::REMOVED,
        annual_stats::REMOVED_SHARE,
        annual_stats::LISTINGS_PREV_YEAR,
        annual_stats::LISTINGS_YOY_CHANGE,
        annual_stats::DATED_BY_FIRST_SEEN,
    ],
    definition_order: DefinitionOrder::Columns,
};

/// `routes`: origin → destination pairs per year, ranked within the year.
pub mod routes {
    use super::*;

    pub use super::shared::{SPECIMENS, YEAR};
    pub const ORIGIN: Column = col("origin", ColumnType::Utf8).defined(
        "Seller country (ISO 3166-1 alpha-2) from the listing's location, or the site's default country.",
    );
    pub const DESTINATION: Column = col("destination", ColumnType::Utf8).defined(
        "ISO 3166-1 alpha-2 country, or a region: WORLD, EU, EUROPE, ASIA, AFRICA, EAST_AFRICA, MIDDLE_EAST, SOUTH_AMERICA, NORTH_AMERICA, CIS.",
    );
    pub const CONFIDENCE: Column = col("confidence", ColumnType::Utf8).defined(
        "stated (the listing names the seller's place) or inferred_from_site (the site's default country).",
    );
    pub const LISTINGS: Column = col("listings", ColumnType::Int64).defined(
        "Listings offering this origin → destination (a listing shipping to several destinations counts once for each).",
    );
    pub const RANK: Column = col("rank", ColumnType::Int64).defined(
        "Rank of the route within its year by listings (ties: origin, destination, confidence).",
    );
}
pub const ROUTES: Table = Table {
    name: "routes",
    files: files!("routes", parquet),
    columns: &[
        routes::YEAR,
        routes::ORIGIN,
        routes::DESTINATION,
        routes::CONFIDENCE,
        routes::LISTINGS,
        routes::SPECIMENS,
        routes::RANK,
    ],
    definition_order: DefinitionOrder::Columns,
};

/// `removal_rates`: removals and Kaplan–Meier removed shares per group.
pub mod removal_rates {
    use super::*;

    pub use super::shared::{GROUP, LISTINGS, REMOVED_COUNT as REMOVED};
    pub const GROUP_KIND: Column = col("group_kind", ColumnType::Utf8)
        .defined("all, platform or taxon_group: confirmed and suspected listings of the group.");
    pub const REMOVED_WITHIN_7D: Column = col("removed_within_7d", ColumnType::Int64).defined(
        "Listings seen removed at most 7 days after their first sighting (likewise 30d, 90d); times are the starts of the crawl runs that saw them.",
    );
    pub const REMOVED_WITHIN_30D: Column = col("removed_within_30d", ColumnType::Int64);
    pub const REMOVED_WITHIN_90D: Column = col("removed_within_90d", ColumnType::Int64);
    pub const KM_REMOVED_BY_7D: Column = col("km_removed_by_7d", ColumnType::Float64).defined(
        "1 - S(7 days) of the Kaplan–Meier time-to-removal curve (likewise 30d, 90d): the share removed by then, allowing for listings not yet followed that long; empty when no listing of the group was followed that long.",
    );
    pub const KM_REMOVED_BY_30D: Column = col("km_removed_by_30d", ColumnType::Float64);
    pub const KM_REMOVED_BY_90D: Column = col("km_removed_by_90d", ColumnType::Float64);
}
pub const REMOVAL_RATES: Table = Table {
    name: "removal_rates",
    files: files!("removal_rates", parquet),
    columns: &[
        removal_rates::GROUP_KIND,
        removal_rates::GROUP,
        removal_rates::LISTINGS,
        removal_rates::REMOVED,
        removal_rates::REMOVED_WITHIN_7D,
        removal_rates::REMOVED_WITHIN_30D,
        removal_rates::REMOVED_WITHIN_90D,
        removal_rates::KM_REMOVED_BY_7D,
        removal_rates::KM_REMOVED_BY_30D,
        removal_rates::KM_REMOVED_BY_90D,
    ],
    definition_order: DefinitionOrder::Columns,
};

/// `removal_after_report`: per platform and taxon group, the confirmed and
/// suspected listings reported to the platform (`wildtrace flag`) beside
/// comparable ones that were not, and how many of each were removed after
/// the report.
pub mod removal_after_report {
    use super::*;

    pub use super::shared::{LISTINGS, REMOVED_SHARE, SOURCE};
    pub const TAXON_GROUP: Column = col("taxon_group", ColumnType::Utf8)
        .defined("The listings' taxon group; all: every group of the platform together.");
    pub const ARM: Column = col("arm", ColumnType::Utf8).defined(
        "reported: listings named in a report to the platform (the lake's reports table), clock from their first report; comparable: confirmed or suspected listings of the same platform and taxon group not reported, first seen before the platform's first report, not removed before it and observed after it, clock from that first report.",
    );
    pub const REMOVED: Column = col("removed", ColumnType::Int64)
        .defined("Listings of the arm seen removed at or after the clock's start.");
    pub const CI_LOW: Column = col("removed_share_ci_low", ColumnType::Float64).defined(
        "Lower end of the 95 % Wilson score interval of removed_share (likewise removed_share_ci_high).",
    );
    pub const CI_HIGH: Column = col("removed_share_ci_high", ColumnType::Float64);
    pub const KM_REMOVED_BY_7D: Column = col("km_removed_by_7d", ColumnType::Float64).defined(
        "1 - S(7 days) of the Kaplan–Meier time to removal counted from the report (likewise 30d, 90d); empty when no listing of the arm was followed that long.",
    );
    pub const KM_REMOVED_BY_30D: Column = col("km_removed_by_30d", ColumnType::Float64);
    pub const KM_REMOVED_BY_90D: Column = col("km_removed_by_90d", ColumnType::Float64);
}
pub const REMOVAL_AFTER_REPORT: Table = Table {
    name: "removal_after_report",
    files: files!("removal_after_report", parquet),
    columns: &[
        removal_after_report::SOURCE,
        removal_after_report::TAXON_GROUP,
        removal_after_report::ARM,
        removal_after_report::LISTINGS,
        removal_after_report::REMOVED,
        removal_after_report::REMOVED_SHARE,
        removal_after_report::CI_LOW,
        removal_after_report::CI_HIGH,
        removal_after_report::KM_REMOVED_BY_7D,
        removal_after_report::KM_REMOVED_BY_30D,
        removal_after_report::KM_REMOVED_BY_90D,
    ],
    definition_order: DefinitionOrder::Columns,
};

/// `km_curves`: the Kaplan–Meier steps per group.
pub mod km_curves {
    use super::*;

    pub use super::shared::{GROUP, GROUP_KIND};
    pub const TIME_DAYS: Column = col("time_days", ColumnType::Float64)
        .defined("Days from the start of the crawl run that first saw the listing to the start of the run that saw it removed (event) or last saw it (censored).");
    pub const AT_RISK: Column = col("at_risk", ColumnType::Int64);
    pub const EVENTS: Column = col("events", ColumnType::Int64);
    pub const CENSORED: Column = col("censored", ColumnType::Int64);
    pub const SURVIVAL: Column = col("survival", ColumnType::Float64).defined(
        "Kaplan–Meier S(t): share of listings not yet removed just after time_days (1 before the first time).",
    );
}
pub const KM_CURVES: Table = Table {
    name: "km_curves",
    files: files!("km_curves", parquet),
    columns: &[
        km_curves::GROUP_KIND,
        km_curves::GROUP,
        km_curves::TIME_DAYS,
        km_curves::AT_RISK,
        km_curves::EVENTS,
        km_curves::CENSORED,
        km_curves::SURVIVAL,
    ],
    definition_order: DefinitionOrder::Columns,
};

/// `monthly_counts`: listings per posted month of each term, taxon and
/// platform series.
pub mod monthly_counts {
    use super::*;

    pub use super::shared::{KEY, LISTINGS};
    pub const KIND: Column = col("kind", ColumnType::Utf8).defined(
        "term (a lexicon term that matched), taxon (the listing's taxon group, for confirmed and suspected listings alike) or platform.",
    );
    pub const RANK: Column = col("rank", ColumnType::Utf8).defined(
        "taxon_group for every taxon series (one rank, so a family and its species never appear as peers); empty for term and platform.",
    );
    pub const MONTH: Column = col("month", ColumnType::Utf8).defined("YYYY-MM of the posted date.");
}
pub const MONTHLY_COUNTS: Table = Table {
    name: "monthly_counts",
    files: files!("monthly_counts", parquet),
    columns: &[
        monthly_counts::KIND,
        monthly_counts::KEY,
        monthly_counts::RANK,
        monthly_counts::MONTH,
        monthly_counts::LISTINGS,
    ],
    definition_order: DefinitionOrder::Columns,
};

/// `emerging_trends`: the months that rose above their trailing baseline.
pub mod emerging_trends {
    use super::*;

    pub use super::shared::{KEY, KIND, LISTINGS, MONTH};
    pub const BASELINE_MEAN: Column = col("baseline_mean", ColumnType::Float64).defined(
        "Mean monthly listings of the series over the 12 months before (at least 6 months of history; months without listings count as 0).",
    );
    pub const BASELINE_MONTHS: Column = col("baseline_months", ColumnType::Int32);
    pub const Z: Column =
        col("z", ColumnType::Float64).defined("(listings - baseline) / sqrt(baseline).");
    pub const P_VALUE: Column = col("p_value", ColumnType::Float64).defined(
        "One-sided Poisson P(X >= listings | baseline mean floored at 0.1), for months with 5 or more listings and 6 or more months of history.",
    );
    pub const Q_VALUE: Column = col("q_value", ColumnType::Float64).defined(
        "Benjamini-Hochberg adjusted p-value over every (series, month) tested in the run; months with q <= 0.05 are listed (false-discovery rate 5%).",
    );
    pub const TESTS: Column = col("tests", ColumnType::Int64)
        .defined("How many (series, month) tests the correction covered.");
}
pub const EMERGING_TRENDS: Table = Table {
    name: "emerging_trends",
    files: files!("emerging_trends", parquet),
    columns: &[
        emerging_trends::KIND,
        emerging_trends::KEY,
        emerging_trends::MONTH,
        emerging_trends::LISTINGS,
        emerging_trends::BASELINE_MEAN,
        emerging_trends::BASELINE_MONTHS,
        emerging_trends::Z,
        emerging_trends::P_VALUE,
        emerging_trends::Q_VALUE,
        emerging_trends::TESTS,
    ],
    // The published order of definitions.csv (p_value before z).
    definition_order: DefinitionOrder::Listed(&[
        emerging_trends::BASELINE_MEAN,
        emerging_trends::P_VALUE,
        emerging_trends::Q_VALUE,
        emerging_trends::TESTS,
        emerging_trends::Z,
    ]),
};

/// `listing_facts`: one row per listing with every derived fact.
pub mod listing_facts {
    use super::*;

    pub use super::shared::{
        CONFIDENCE, LISTING_ID, MONTH, PRODUCT_TYPE, REMOVED_FLAG as REMOVED, SOURCE, SPECIMENS,
        TAXON, TAXON_GROUP, YEAR,
    };
    pub const POSTED_DATE: Column = col("posted_date", ColumnType::Date);
    pub const DATE_BASIS: Column = col("date_basis", ColumnType::Utf8).defined(
        "What year and month are of: posted (the listing's stated posting date) or first_seen (it states none: the day wildtrace first saw it).",
    );
    pub const SPECIES: Column = col("species", ColumnType::Utf8).defined(
        "The named taxon at species rank: the species named (a subspecies counts as its species); empty when the text names only a higher taxon (a family such as Elephantidae, a genus) or none. annual_stats counts its taxon rows by this column.",
    );
    pub const CITES_APPENDIX: Column = col("cites_appendix", ColumnType::Utf8);
    pub const SELLER_PSEUDONYM: Column = col("seller_pseudonym", ColumnType::Utf8);
    pub const SELLER_COUNTRY: Column = col("seller_country", ColumnType::Utf8);
    pub const SELLER_COUNTRY_CONFIDENCE: Column =
        col("seller_country_confidence", ColumnType::Utf8);
    pub const DESTINATIONS: Column = col("destinations", ColumnType::Utf8);
    pub const PRICE_AMOUNT: Column = col("price_amount", ColumnType::Utf8)
        .defined("The price as stated in the lake (exact decimal, own currency).");
    pub const CURRENCY: Column = col("currency", ColumnType::Utf8);
    pub const RATE_DATE: Column = col("rate_date", ColumnType::Date).defined(
        "The business day whose rate of the listing's currency converted the price: the latest on or before the listing's date in the first rate source that has one (at most 10 days before within the source's span; its last day when the date is after it, within the rate window).",
    );
    pub const RATE_BASIS: Column = col("rate_basis", ColumnType::Utf8).defined(
        "exact (a rate on the listing's date), previous_business_day (a weekend or holiday: the latest earlier rate, at most 10 days before) or after_table_end (the date is after the rate source's last day: its last rate, within the rate window); empty when not converted.",
    );
    pub const RATE_SOURCE: Column = col("rate_source", ColumnType::Int32).defined(
        "Which rate source converted the price: its position in the run's list of rate files (1 = the first --rates); the files are named in manifest.json rate_sources.",
    );
    pub const PRICE_EUR: Column = col("price_eur", ColumnType::Float64);
    pub const PRICE_USD: Column = col("price_usd", ColumnType::Float64).defined(
        "amount × USD-per-EUR / currency-per-EUR on rate_date, exact decimals rounded half-to-even to 4 places (price_eur likewise).",
    );
    pub const VALUE_USD_CENTS: Column = col("value_usd_cents", ColumnType::Int64)
        .defined("price_usd in whole cents when price_flag is ok; empty otherwise.");
    pub const PRICE_FLAG: Column = col("price_flag", ColumnType::Utf8).defined(
        "ok, no_price (none stated, or an amount without a currency), no_rate (not converted, see unconverted_reason), placeholder or outlier (see annual_stats.implausible_prices).",
    );
    pub const UNCONVERTED_REASON: Column = col("unconverted_reason", ColumnType::Utf8).defined(
        "Why the price has no USD value: no_price, unknown_currency (an amount without an ISO 4217 currency), no_rate_currency (the currency is in no rate source) or no_rate_date (no rate source has it at the listing's date); empty when converted.",
    );
    pub const FIRST_SEEN: Column = col("first_seen", ColumnType::Timestamp);
    pub const LAST_SEEN_ACTIVE: Column = col("last_seen_active", ColumnType::Timestamp);
    pub const REMOVED_AT: Column = col("removed_at", ColumnType::Timestamp);
    pub const DAYS_TO_REMOVAL_OR_CENSORING: Column =
        col("days_to_removal_or_censoring", ColumnType::Float64).defined(
            "Days from first_seen to removed_at when removed, else to the last observation.",
        );
}
pub const LISTING_FACTS: Table = Table {
    name: "listing_facts",
    files: files!("listing_facts", parquet),
    columns: &[
        listing_facts::LISTING_ID,
        listing_facts::SOURCE,
        listing_facts::YEAR,
        listing_facts::MONTH,
        listing_facts::POSTED_DATE,
        listing_facts::DATE_BASIS,
        listing_facts::TAXON_GROUP,
        listing_facts::TAXON,
        listing_facts::SPECIES,
        listing_facts::CITES_APPENDIX,
        listing_facts::PRODUCT_TYPE,
        listing_facts::CONFIDENCE,
        listing_facts::SPECIMENS,
        listing_facts::SELLER_PSEUDONYM,
        listing_facts::SELLER_COUNTRY,
        listing_facts::SELLER_COUNTRY_CONFIDENCE,
        listing_facts::DESTINATIONS,
        listing_facts::PRICE_AMOUNT,
        listing_facts::CURRENCY,
        listing_facts::RATE_DATE,
        listing_facts::RATE_BASIS,
        listing_facts::RATE_SOURCE,
        listing_facts::PRICE_EUR,
        listing_facts::PRICE_USD,
        listing_facts::VALUE_USD_CENTS,
        listing_facts::PRICE_FLAG,
        listing_facts::UNCONVERTED_REASON,
        listing_facts::FIRST_SEEN,
        listing_facts::LAST_SEEN_ACTIVE,
        listing_facts::REMOVED_AT,
        listing_facts::REMOVED,
        listing_facts::DAYS_TO_REMOVAL_OR_CENSORING,
    ],
    definition_order: DefinitionOrder::Columns,
};

/// `unconverted_prices`: listings whose price has no USD value, per year ×
/// confidence × reason × currency (every listing, decoys included).
pub mod unconverted_prices {
    use super::*;

    pub use super::shared::{LISTINGS, YEAR};
    pub const CONFIDENCE: Column = col("confidence", ColumnType::Utf8).defined(
        "confirmed, suspected, decoy or none: every listing is counted here, though the value totals concern confirmed and suspected listings only.",
    );
    pub const REASON: Column = col("reason", ColumnType::Utf8).defined(
        "no_price, unknown_currency, no_rate_currency (the currency is in no rate source) or no_rate_date (no rate source has it, or USD, at the listing's date); as listing_facts.unconverted_reason.",
    );
    pub const CURRENCY: Column = col("currency", ColumnType::Utf8)
        .defined("The listing's currency as stored in the lake (empty when none).");
}
pub const UNCONVERTED: Table = Table {
    name: "unconverted_prices",
    files: files!("unconverted_prices", parquet),
    columns: &[
        unconverted_prices::YEAR,
        unconverted_prices::CONFIDENCE,
        unconverted_prices::REASON,
        unconverted_prices::CURRENCY,
        unconverted_prices::LISTINGS,
    ],
    definition_order: DefinitionOrder::Columns,
};
