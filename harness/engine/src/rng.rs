//! A small seeded random-number generator (SplitMix64): the request mix and Poisson gaps must be
//! the same for every run of a seed, and need nothing stronger.

/// SplitMix64 (Steele, Lea and Flood): 64-bit state, passes BigCrush, one multiply-xorshift per draw.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator for `seed`; `stream` gives independent sequences for the same seed (one per thread).
    pub fn new(seed: u64, stream: u64) -> Self {
        let mut mixer = SplitMix64 { state: seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03) };
        // Discard one draw so that nearby seeds do not start with nearby states.
        mixer.next_u64();
        mixer
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform draw in [0, 1) with 53 bits of precision.
    pub fn next_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_streams_differ() {
        let mut a = SplitMix64::new(7, 0);
        let mut b = SplitMix64::new(7, 0);
        let mut c = SplitMix64::new(7, 1);
        let first: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        assert_eq!(first, (0..4).map(|_| b.next_u64()).collect::<Vec<_>>());
        assert_ne!(first, (0..4).map(|_| c.next_u64()).collect::<Vec<_>>());
        for _ in 0..1000 {
            let unit = a.next_unit();
            assert!((0.0..1.0).contains(&unit));
        }
    }
}
