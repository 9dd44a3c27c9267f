//! `monthly_counts` and `emerging_trends`: monthly listings per term, taxon
//! and platform series, and the months that rise above their own trailing
//! baseline.
//!
//! It owns the series and their layout. It must not implement the test
//! (that is [`crate::trends`]).

use std::collections::BTreeMap;

use polars::prelude::*;

use super::listings::Listings;
use super::round4;
use crate::error::AnalysisError;
use crate::inspect::GROUP_RANK;
use crate::outputs::{emerging_trends as et, monthly_counts as mc};
use crate::trends::{self, MonthIndex};

/// The series kinds (`kind`).
const TERM: &str = "term";
const TAXON: &str = "taxon";
const PLATFORM: &str = "platform";

/// Monthly listings per term, taxon group (the `taxon` series, all at the
/// one rank `taxon_group`) and platform, for confirmed and suspected
/// listings by posted month; and the months that rise above their trailing
/// baseline.
pub(super) fn monthly_and_trends(f: &Listings) -> Result<(DataFrame, DataFrame), AnalysisError> {
    let mut series: BTreeMap<(String, String), BTreeMap<MonthIndex, u64>> = BTreeMap::new();
    let (mut first, mut last) = (None::<MonthIndex>, None::<MonthIndex>);
    for (i, listing_terms) in f.matched_terms.iter().enumerate() {
        if !f.wildlife(i) {
            continue;
        }
        let m = f.month[i];
        first = Some(first.map_or(m, |x| x.min(m)));
        last = Some(last.map_or(m, |x| x.max(m)));
        let mut bump = |kind: &str, key: &str| {
            *series
                .entry((kind.to_string(), key.to_string()))
                .or_default()
                .entry(m)
                .or_default() += 1;
        };
        for t in listing_terms {
            bump(TERM, t);
        }
        if let Some(g) = f.taxon_group[i].as_ref() {
            bump(TAXON, g);
        }
        bump(PLATFORM, &f.source[i]);
    }
    let mut m_cols: (Vec<String>, Vec<String>, Vec<String>, Vec<i64>) = Default::default();
    let mut ranks: Vec<Option<&str>> = Vec::new();
    for ((kind, key), counts) in &series {
        for (m, c) in counts {
            m_cols.0.push(kind.clone());
            m_cols.1.push(key.clone());
            m_cols.2.push(trends::month_label(*m));
            m_cols.3.push(*c as i64);
            ranks.push((kind == TAXON).then_some(GROUP_RANK));
        }
    }
    let monthly = DataFrame::new_infer_height(vec![
        mc::KIND.values(m_cols.0),
        mc::KEY.values(m_cols.1),
        mc::RANK.values(ranks),
        mc::MONTH.values(m_cols.2),
        mc::LISTINGS.values(m_cols.3),
    ])?;
    let flagged = match (first, last) {
        (Some(a), Some(b)) => trends::detect(&series, a, b),
        _ => Vec::new(),
    };
    let each = |f: fn(&trends::Trend) -> f64| flagged.iter().map(f).collect::<Vec<_>>();
    let trends_df = DataFrame::new_infer_height(vec![
        et::KIND.values(flagged.iter().map(|t| t.kind.clone()).collect::<Vec<_>>()),
        et::KEY.values(flagged.iter().map(|t| t.key.clone()).collect::<Vec<_>>()),
        et::MONTH.values(
            flagged
                .iter()
                .map(|t| trends::month_label(t.month))
                .collect::<Vec<_>>(),
        ),
        et::LISTINGS.values(flagged.iter().map(|t| t.count as i64).collect::<Vec<_>>()),
        et::BASELINE_MEAN.values(each(|t| round4(t.baseline_mean))),
        et::BASELINE_MONTHS.values(
            flagged
                .iter()
                .map(|t| t.baseline_months)
                .collect::<Vec<_>>(),
        ),
        et::Z.values(each(|t| round4(t.z))),
        et::P_VALUE.values(each(|t| t.p_value)),
        et::Q_VALUE.values(each(|t| t.q_value)),
        et::TESTS.values(flagged.iter().map(|t| t.tests as i64).collect::<Vec<_>>()),
    ])?;
    Ok((monthly, trends_df))
}
