//! Record links in a run: what a connector gets back of the links it made
//! in earlier runs (only those made against the target employee it is
//! given now), and the rules its new set must pass before the host stores
//! it. A connector is untrusted: its links are bounded in number and size,
//! free of control characters and of the employee's personal data, and
//! name each HR record once.

use crate::privacy::Scrubber;
use crate::runtime::types;
use crate::store::record_links::{RecordLink, RecordLinks};

/// Most record links one employee may have.
pub const MAX_LINKS: usize = 256;
/// Longest `kind`, in characters.
pub const MAX_KIND: usize = 32;
/// Longest key, in characters.
pub const MAX_KEY: usize = 128;

/// The links to hand the connector for an employee matched to
/// `target_id`: the stored ones if they were made against it, else none.
pub fn given(stored: Option<&RecordLinks>, target_id: &str) -> Vec<types::RecordLink> {
    stored
        .filter(|s| s.target_id == target_id)
        .map(|s| {
            s.links
                .iter()
                .map(|l| types::RecordLink {
                    kind: l.kind.clone(),
                    hr_key: l.hr_key.clone(),
                    target_key: l.target_key.clone(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The connector's `answered` links for an employee matched to
/// `target_id`, checked and sorted, or why they are refused (no value of
/// theirs in the reason: they may hold personal data).
pub fn checked(answered: Vec<types::RecordLink>, target_id: &str, scrubber: &Scrubber) -> Result<RecordLinks, String> {
    let refused =
        |why: &str| Err(format!("the connector answered record links the host refuses ({why}); nothing was written"));
    if answered.len() > MAX_LINKS {
        return refused(&format!("{} links, at most {MAX_LINKS} are kept per employee", answered.len()));
    }
    let mut links: Vec<RecordLink> = Vec::with_capacity(answered.len());
    for l in answered {
        let sizes_fit = (1..=MAX_KIND).contains(&l.kind.chars().count())
            && [&l.hr_key, &l.target_key].iter().all(|k| (1..=MAX_KEY).contains(&k.chars().count()));
        if !sizes_fit {
            return refused(&format!(
                "an empty or too long kind or key: kinds hold 1–{MAX_KIND} characters, keys 1–{MAX_KEY}"
            ));
        }
        let texts = [&l.kind, &l.hr_key, &l.target_key];
        if texts.iter().any(|t| t.chars().any(char::is_control)) {
            return refused("control characters in a kind or key");
        }
        if texts.iter().any(|t| scrubber.holds_whole(t)) {
            return refused("a kind or key holds the employee's personal data");
        }
        links.push(RecordLink { kind: l.kind, hr_key: l.hr_key, target_key: l.target_key });
    }
    links.sort();
    if links.windows(2).any(|w| w[0].kind == w[1].kind && w[0].hr_key == w[1].hr_key) {
        return refused("one HR record linked twice");
    }
    Ok(RecordLinks { target_id: target_id.to_owned(), links })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(kind: &str, hr: &str, target: &str) -> types::RecordLink {
        types::RecordLink { kind: kind.into(), hr_key: hr.into(), target_key: target.into() }
    }

    fn scrubber() -> Scrubber {
        Scrubber::new(["10915596784"], [])
    }

    #[test]
    fn links_made_against_another_target_employee_are_not_given_back() {
        let stored = RecordLinks {
            target_id: "101".into(),
            links: vec![RecordLink { kind: "employment".into(), hr_key: "e1".into(), target_key: "101-1".into() }],
        };
        assert_eq!(given(Some(&stored), "101").len(), 1);
        assert!(given(Some(&stored), "102").is_empty());
        assert!(given(None, "101").is_empty());
    }

    #[test]
    fn a_sound_set_is_kept_sorted() {
        let set =
            checked(vec![link("employment", "e2", "101-2"), link("employment", "e1", "101-1")], "101", &scrubber())
                .expect("kept");
        assert_eq!(set.target_id, "101");
        assert_eq!(set.links.iter().map(|l| l.hr_key.as_str()).collect::<Vec<_>>(), ["e1", "e2"]);
    }

    #[test]
    fn oversized_controlled_personal_or_twice_named_links_are_refused_without_their_values() {
        let too_many: Vec<_> = (0..=MAX_LINKS).map(|i| link("employment", &format!("e{i}"), "t")).collect();
        let long = "x".repeat(MAX_KEY + 1);
        let cases = [
            (too_many, "at most 256"),
            (vec![link("employment", &long, "t")], "too long"),
            (vec![link("", "e1", "t")], "too long"),
            (vec![link("employment", "e1\n", "t")], "control characters"),
            (vec![link("employment", "e1", "kept-10915596784")], "personal data"),
            (vec![link("employment", "e1", "a"), link("employment", "e1", "b")], "linked twice"),
        ];
        for (links, why) in cases {
            let refused = checked(links, "101", &scrubber()).expect_err("refused");
            assert!(refused.contains(why) && refused.contains("nothing was written"), "{refused}");
            assert!(!refused.contains("10915596784"), "{refused}");
        }
    }
}
