//! A fixed-length set of slots as 64-bit words: what a filter compiles to, so a graph walk
//! tests a candidate with one load and a mask instead of reading its JSON metadata.

/// Set of slots `0..len`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SlotBits {
    words: Vec<u64>,
    len: usize,
}

impl SlotBits {
    /// No slot.
    pub(crate) fn zeros(len: usize) -> Self {
        SlotBits {
            words: vec![0; len.div_ceil(64)],
            len,
        }
    }

    /// Every slot.
    pub(crate) fn ones(len: usize) -> Self {
        let mut b = SlotBits {
            words: vec![u64::MAX; len.div_ceil(64)],
            len,
        };
        b.trim();
        b
    }

    /// The slots listed (out-of-range ones are ignored).
    pub(crate) fn from_slots(len: usize, slots: &[u32]) -> Self {
        let mut b = Self::zeros(len);
        for &s in slots {
            b.insert(s);
        }
        b
    }

    /// Clears the bits past `len` in the last word, so counts and complements stay exact.
    fn trim(&mut self) {
        let extra = self.words.len() * 64 - self.len;
        if extra > 0 {
            if let Some(last) = self.words.last_mut() {
                *last &= u64::MAX >> extra;
            }
        }
    }

    /// Number of slots the set ranges over.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub(crate) fn contains(&self, slot: u32) -> bool {
        let s = slot as usize;
        s < self.len && self.words[s >> 6] & (1 << (s & 63)) != 0
    }

    #[inline]
    pub(crate) fn insert(&mut self, slot: u32) {
        let s = slot as usize;
        if s < self.len {
            self.words[s >> 6] |= 1 << (s & 63);
        }
    }

    #[inline]
    pub(crate) fn remove(&mut self, slot: u32) {
        let s = slot as usize;
        if s < self.len {
            self.words[s >> 6] &= !(1 << (s & 63));
        }
    }

    /// Grows to `len` slots, new slots set to `value`.
    pub(crate) fn resize(&mut self, len: usize, value: bool) {
        let old = self.len;
        self.words.resize(len.div_ceil(64), 0);
        self.len = len;
        if value {
            for s in old..len {
                self.insert(s as u32);
            }
        }
        self.trim();
    }

    /// `self ∧ other` (the shorter length bounds the result).
    pub(crate) fn and_with(&mut self, other: &SlotBits) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= b;
        }
        let n = other.words.len();
        self.words.iter_mut().skip(n).for_each(|w| *w = 0);
    }

    /// `self ∨ other`.
    pub(crate) fn or_with(&mut self, other: &SlotBits) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= b;
        }
        self.trim();
    }

    /// `¬self` within `0..len`.
    pub(crate) fn negate(&mut self) {
        self.words.iter_mut().for_each(|w| *w = !*w);
        self.trim();
    }

    /// Number of slots in the set.
    pub(crate) fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The slots in the set, ascending.
    pub(crate) fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.words.iter().enumerate().flat_map(|(i, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let bit = w.trailing_zeros();
                w &= w - 1;
                Some((i as u32) * 64 + bit)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_algebra_stays_in_range() {
        let mut a = SlotBits::from_slots(70, &[0, 5, 64, 69, 200]);
        assert_eq!(a.iter().collect::<Vec<_>>(), vec![0, 5, 64, 69]);
        assert_eq!(a.count(), 4);
        let b = SlotBits::from_slots(70, &[5, 6, 69]);
        let mut c = a.clone();
        c.and_with(&b);
        assert_eq!(c.iter().collect::<Vec<_>>(), vec![5, 69]);
        a.or_with(&b);
        assert_eq!(a.count(), 5);
        a.negate();
        assert_eq!(a.count(), 65);
        assert!(!a.contains(69) && a.contains(68) && !a.contains(70));
        let mut o = SlotBits::ones(130);
        assert_eq!(o.count(), 130);
        o.remove(3);
        o.resize(140, true);
        assert_eq!(o.count(), 139);
        o.resize(150, false);
        assert_eq!(o.count(), 139);
        assert_eq!(SlotBits::zeros(0).count(), 0);
        assert_eq!(SlotBits::ones(64).count(), 64);
    }
}
