//! The default hasher: Argon2id, a salted password-hashing function.

use ::argon2::{Algorithm, Argon2, Params, Version};

use super::error::BackupError;
use super::hasher::{CodeHasher, HashScheme};

/// Hashes backup codes with Argon2id (RFC 9106), the default [`CodeHasher`].
///
/// # Why a password-hashing function, and why these parameters
///
/// A backup code of the default format has 80 bits of entropy, below the 112 bits under which
/// OWASP ASVS 5.0 requirement 6.5.2 and NIST SP 800-63B-4 (§3.1.2.1, by way of §3.1.1.2) require
/// a look-up secret to be stored with an approved password-hashing scheme and a salt of at
/// least 32 bits. This hasher meets both:
///
/// * **Password-hashing function**: Argon2id v0x13, the winner of the Password Hashing
///   Competition, RFC 9106, and OWASP's first choice for password storage;
/// * **Salt**: 128 random bits per set ([`HashScheme::SALT_LEN`]), drawn from the CSPRNG when the
///   set is generated;
/// * **Cost**: by default `m = 19 MiB, t = 2, p = 1` — the lowest-cost Argon2id configuration
///   the OWASP Password Storage Cheat Sheet recommends, and the `argon2` crate's default. That
///   is low for a password-hashing function (RFC 9106 §4 suggests 64 MiB or 2 GiB), on
///   purpose: a guessing attacker who has stolen a set must search 2<sup>80</sup> codes per set
///   (2<sup>76.7</sup> for a set of ten sharing a salt), 2<sup>40</sup> times the space of a
///   good password, so the cost factor is defence in depth rather than the barrier, while the
///   server pays it on every attempt. One lookup costs one Argon2id call: 19 MiB and about
///   20 ms of one core on the build machine (`BENCHMARKS.md`).
///
/// A set records the parameters it was hashed with and is always verified with those, so the
/// parameters can be raised later ([`Argon2Hasher::with_params`]) without breaking any stored
/// set; [`BackupCodeSet::needs_rehash`](crate::backup::BackupCodeSet::needs_rehash) then says which sets
/// were made with older ones.
///
/// ```
/// use twofactor::backup::{Argon2Hasher, BackupCodeSet, CodeHasher, CodeFormat, HashScheme};
///
/// let hasher = Argon2Hasher::default();
/// assert_eq!(
///     hasher.scheme(),
///     HashScheme::Argon2id { m_cost: 19 * 1024, t_cost: 2, p_cost: 1 }
/// );
/// let format = CodeFormat::builder().count(2).build()?;
/// let (codes, set) = BackupCodeSet::generate(&format, &hasher)?;
/// let code = codes.expose_code(1).ok_or("no code")?;
/// assert_eq!(set.verify(code, &hasher)?, 1);
///
/// // Later, the parameters are raised: the set still verifies (with its own parameters) and is
/// // due for regeneration.
/// let stronger = Argon2Hasher::with_params(64 * 1024, 3, 1)?;
/// assert!(set.needs_rehash(&stronger));
/// assert_eq!(set.verify(code, &stronger)?, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Argon2Hasher {
    m_cost: u32,
    t_cost: u32,
    p_cost: u32,
}

impl Argon2Hasher {
    /// The default memory cost: 19 MiB (19 456 KiB), OWASP's minimum for Argon2id.
    pub const DEFAULT_M_COST: u32 = 19 * 1024;
    /// The default number of passes: 2.
    pub const DEFAULT_T_COST: u32 = 2;
    /// The default number of lanes: 1.
    pub const DEFAULT_P_COST: u32 = 1;

    /// The default parameters: `m = 19 MiB, t = 2, p = 1`.
    pub const DEFAULT: Self = Self {
        m_cost: Self::DEFAULT_M_COST,
        t_cost: Self::DEFAULT_T_COST,
        p_cost: Self::DEFAULT_P_COST,
    };

    /// A hasher with the default parameters.
    #[must_use]
    pub const fn new() -> Self {
        Self::DEFAULT
    }

    /// A hasher with other parameters: memory `m_cost` in KiB, `t_cost` passes, `p_cost` lanes.
    ///
    /// # Errors
    /// [`BackupError::InvalidParams`] outside [`HashScheme::ARGON2_MIN_M_COST`]–
    /// [`HashScheme::ARGON2_MAX_M_COST`] KiB, 1–[`HashScheme::ARGON2_MAX_T_COST`] passes,
    /// 1–[`HashScheme::ARGON2_MAX_P_COST`] lanes, or with less than 8 KiB per lane.
    ///
    /// ```
    /// use twofactor::backup::{Argon2Hasher, BackupError};
    ///
    /// let stronger = Argon2Hasher::with_params(64 * 1024, 3, 1)?;
    /// assert_eq!(stronger.m_cost(), 65_536);
    /// assert_eq!(Argon2Hasher::with_params(64, 1, 1), Err(BackupError::InvalidParams));
    /// # Ok::<(), BackupError>(())
    /// ```
    pub const fn with_params(m_cost: u32, t_cost: u32, p_cost: u32) -> Result<Self, BackupError> {
        let scheme = HashScheme::Argon2id {
            m_cost,
            t_cost,
            p_cost,
        };
        if scheme.in_range() {
            Ok(Self {
                m_cost,
                t_cost,
                p_cost,
            })
        } else {
            Err(BackupError::InvalidParams)
        }
    }

    /// The memory cost in KiB.
    #[must_use]
    pub const fn m_cost(&self) -> u32 {
        self.m_cost
    }

    /// The number of passes.
    #[must_use]
    pub const fn t_cost(&self) -> u32 {
        self.t_cost
    }

    /// The number of lanes.
    #[must_use]
    pub const fn p_cost(&self) -> u32 {
        self.p_cost
    }
}

impl Default for Argon2Hasher {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl CodeHasher for Argon2Hasher {
    fn scheme(&self) -> HashScheme {
        HashScheme::Argon2id {
            m_cost: self.m_cost,
            t_cost: self.t_cost,
            p_cost: self.p_cost,
        }
    }

    /// Computes Argon2id with the parameters `scheme` names (not necessarily this hasher's).
    fn hash(
        &self,
        scheme: &HashScheme,
        salt: &[u8; HashScheme::SALT_LEN],
        code: &[u8],
    ) -> Result<[u8; HashScheme::HASH_LEN], BackupError> {
        let HashScheme::Argon2id {
            m_cost,
            t_cost,
            p_cost,
        } = *scheme
        else {
            return Err(BackupError::UnsupportedScheme);
        };
        scheme.check()?;
        let params = Params::new(m_cost, t_cost, p_cost, Some(HashScheme::HASH_LEN))
            .map_err(|_| BackupError::InvalidParams)?;
        let mut out = [0u8; HashScheme::HASH_LEN];
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(code, salt, &mut out)
            .map_err(BackupError::hash_failed)?;
        Ok(out)
    }

    /// `true`: one call is milliseconds of CPU and `m_cost` KiB of memory.
    fn is_expensive(&self) -> bool {
        true
    }
}
