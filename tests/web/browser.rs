//! One person's browser over HTTP: its cookies, the CSRF token of the last page it was shown,
//! and the `Origin` header a browser sends with a form post. No redirect is followed unless a
//! helper says so, so that each answer is seen as it is.

use std::collections::{BTreeMap, HashMap};

use reqwest::StatusCode;
use reqwest::header::{COOKIE, HeaderMap, LOCATION, ORIGIN, SET_COOKIE};
use twofactor::Totp;

use super::App;
use super::pages::between;

/// The session cookie (tower-sessions), `__Host-` prefixed.
pub const SESSION_COOKIE: &str = "__Host-session";
/// The remembered-browser cookie.
pub const DEVICE_COOKIE: &str = "__Host-device";

/// An answer.
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Response {
    /// The path a redirect (303 from a handler, 307 from `login_required!`) sends the browser
    /// to, without its query (`login_required!` adds `?next=…`).
    pub fn location(&self) -> Option<&str> {
        let to = self
            .status
            .is_redirection()
            .then(|| self.header(LOCATION.as_str()))??;
        Some(to.split_once('?').map_or(to, |(path, _)| path))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The whole `Set-Cookie` header that sets the cookie `name`.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find(|value| value.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }
}

/// One person's browser.
pub struct Browser {
    base: String,
    client: reqwest::Client,
    cookies: BTreeMap<String, String>,
    passwords: HashMap<String, String>,
    /// The CSRF token of the last page that had one.
    pub csrf: Option<String>,
}

impl Browser {
    pub fn new(app: &App) -> Self {
        Self {
            base: app.base.clone(),
            client: app.client.clone(),
            cookies: BTreeMap::new(),
            passwords: app.passwords.clone(),
            csrf: None,
        }
    }

    pub fn origin(&self) -> &str {
        &self.base
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    pub fn has_cookie(&self, name: &str) -> bool {
        self.cookies.contains_key(name)
    }

    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.insert(name.to_owned(), value.to_owned());
    }

    pub fn remove_cookie(&mut self, name: &str) {
        self.cookies.remove(name);
    }

    pub async fn get(&mut self, path: &str) -> Response {
        let request = self.client.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    /// A form post as the page's form sends it: the last page's CSRF token, our own `Origin`.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Response {
        let csrf = self.csrf.clone();
        let origin = self.base.clone();
        self.post_with(path, form, csrf.as_deref(), Some(&origin)).await
    }

    /// A form post with the given CSRF token and `Origin` (`None`: the field or header left out).
    pub async fn post_with(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
        csrf: Option<&str>,
        origin: Option<&str>,
    ) -> Response {
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        if let Some(csrf) = csrf {
            fields.push(("csrf", csrf));
        }
        let body = fields
            .iter()
            .map(|(name, value)| format!("{}={}", url_encode(name), url_encode(value)))
            .collect::<Vec<_>>()
            .join("&");
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(origin) = origin {
            request = request.header(ORIGIN, origin);
        }
        self.send(request).await
    }

    /// Follows a redirect with a GET, as a browser does after a form post.
    pub async fn follow(&mut self, response: Response) -> Response {
        match response.location() {
            Some(to) => {
                let to = to.to_owned();
                self.get(&to).await
            }
            None => response,
        }
    }

    async fn send(&mut self, mut request: reqwest::RequestBuilder) -> Response {
        if !self.cookies.is_empty() {
            let header = self
                .cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>()
                .join("; ");
            request = request.header(COOKIE, header);
        }
        let response = request.send().await.expect("the application answers");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap();
        for value in headers.get_all(SET_COOKIE) {
            let value = value.to_str().unwrap();
            let (pair, attributes) = value.split_once(';').unwrap_or((value, ""));
            let (name, cookie) = pair.split_once('=').unwrap();
            if cookie.is_empty() || attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), cookie.to_owned());
            }
        }
        if let Some(token) = between(&body, "name=\"csrf\" value=\"", "\"") {
            self.csrf = Some(token.to_owned());
        }
        Response {
            status,
            headers,
            body,
        }
    }

    /// The password step: the form, then the post; the answer to the post.
    pub async fn password_step(&mut self, name: &str, password: &str) -> Response {
        self.get("/login").await;
        self.post("/login", &[("username", name), ("password", password)])
            .await
    }

    /// Signs in with the password alone (2FA off), and opens the home page.
    pub async fn sign_in_with_password(&mut self, name: &str) {
        let password = self.password_of(name);
        let response = self.password_step(name, &password).await;
        assert_eq!(response.location(), Some("/"), "{}", response.body);
        assert!(self.has_cookie(SESSION_COOKIE));
        // The home page (an administrator without 2FA is sent on to the setup page).
        self.follow(response).await;
    }

    /// The password step with 2FA on: on to the code step, whose page says "Code required".
    pub async fn sign_in_with_password_to_challenge(&mut self, name: &str) -> Response {
        let password = self.password_of(name);
        let response = self.password_step(name, &password).await;
        assert_eq!(response.location(), Some("/login/code"), "{}", response.body);
        let page = self.follow(response).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("Code required"), "{}", page.body);
        page
    }

    /// The code step with `input` (a code or a backup code), `remember` ticked or not: signed
    /// in, the home page.
    pub async fn code_step(&mut self, input: &str, remember: bool) -> Response {
        let mut form = vec![("code", input)];
        if remember {
            form.push(("remember", "1"));
        }
        let response = self.post("/login/code", &form).await;
        assert_eq!(response.location(), Some("/"), "{}", response.body);
        let home = self.follow(response).await;
        assert_eq!(home.status, StatusCode::OK, "{}", home.body);
        assert!(home.body.contains("<h1>Home</h1>"), "{}", home.body);
        home
    }

    /// Both steps, with `input` (a code or a backup code) as the second.
    pub async fn sign_in_with(&mut self, name: &str, input: &str) -> Response {
        self.sign_in_with_password_to_challenge(name).await;
        self.code_step(input, false).await
    }

    /// Both steps, with the app's code of the application's current time.
    pub async fn sign_in_with_code(&mut self, name: &str, totp: &Totp) -> Response {
        let code = self.current_code(totp).await;
        self.sign_in_with(name, &code).await
    }

    /// The app's code at the application's time.
    pub async fn current_code(&mut self, totp: &Totp) -> String {
        let now: u64 = self
            .post_with("/test/clock", &[("advance", "0")], None, None)
            .await
            .body
            .parse()
            .unwrap();
        totp.generate(now).unwrap().to_string()
    }

    pub fn password_of(&self, name: &str) -> String {
        self.passwords[name].clone()
    }
}

/// `application/x-www-form-urlencoded` of one name or value.
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                char::from(byte).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}
