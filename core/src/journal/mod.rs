//! `journal` — see SPEC.md.
