use super::OtpError;

/// How many time steps before and after the current one a TOTP code may come from.
///
/// Asymmetric on purpose: a code typed on a phone arrives late more often than early, and
/// RFC 6238 §5.2 recommends at most one step of network delay. Each side is at most
/// [`Window::MAX`] steps, so a verification costs at most `2 × MAX + 1` codes.
///
/// ```
/// use twofactor::otp::Window;
///
/// assert_eq!((Window::DEFAULT.past(), Window::DEFAULT.future()), (1, 1));
/// assert_eq!(Window::new(2, 0)?.len(), 3);
/// assert!(Window::new(Window::MAX + 1, 0).is_err());
/// # Ok::<(), twofactor::otp::OtpError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Window {
    past: u32,
    future: u32,
}

impl Window {
    /// The widest side: 10 steps (5 minutes at 30 s).
    pub const MAX: u32 = 10;

    /// One step back, one forward: the default, tolerating a phone clock a little off either way.
    pub const DEFAULT: Self = Self { past: 1, future: 1 };

    /// One step back, none forward: RFC 6238 §5.2's "at most one time step" of network delay.
    pub const RFC_6238_STRICT: Self = Self { past: 1, future: 0 };

    /// The current step only: OWASP ASVS 5.0 requirement 6.5.5 (a code lives at most 30 s).
    pub const CURRENT_ONLY: Self = Self { past: 0, future: 0 };

    /// A window of `past` steps back and `future` steps forward.
    ///
    /// # Errors
    /// [`OtpError::Window`] when a side is wider than [`Window::MAX`].
    pub const fn new(past: u32, future: u32) -> Result<Self, OtpError> {
        if past > Self::MAX || future > Self::MAX {
            return Err(OtpError::Window { max: Self::MAX });
        }
        Ok(Self { past, future })
    }

    /// Steps accepted before the current one.
    #[must_use]
    pub const fn past(&self) -> u32 {
        self.past
    }

    /// Steps accepted after the current one.
    #[must_use]
    pub const fn future(&self) -> u32 {
        self.future
    }

    /// The number of candidate codes a verification computes: `past + future + 1`.
    #[must_use]
    #[allow(
        clippy::len_without_is_empty,
        reason = "a window always holds the current step"
    )]
    pub const fn len(&self) -> u32 {
        self.past + self.future + 1
    }
}

impl Default for Window {
    fn default() -> Self {
        Self::DEFAULT
    }
}
