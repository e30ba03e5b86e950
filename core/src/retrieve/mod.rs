//! `retrieve` — see SPEC.md.
