//! The release-build guard of `.ci/run`: the packet-id set, `src/queue/packet_ids.rs`, alone,
//! with its unit tests, compiled by rustc as a release compiles it (opt-level 2, then 3; no
//! overflow checks or debug assertions). rustc 1.95.0 (LLVM 22.1.2) miscompiled its
//! branch-free `insert` at those levels: `len` stayed 0 while `insert` returned `true`, so
//! release builds never remembered what a peek left pending, and only they showed it. With
//! that form put back, `packet_ids_count_each_id_once` fails here at both levels and passes at
//! opt-level 0, as it did inside the crate, in a second of compiling instead of the whole
//! crate's five minutes. The file must stay free of the crate's paths (`crate::…`) for this.
#![allow(dead_code)] // Outside its own tests, nothing here calls the set.

#[path = "../src/queue/packet_ids.rs"]
mod packet_ids;
