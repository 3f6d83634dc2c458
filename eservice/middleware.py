"""The project's middlewares: response headers that keep personal data out of shared caches (proxies, CDNs, a
library's PC), the constant headers (CSP, framing, Django's security headers) checked once per process and written
where an answer has none (``set_absent``), the route that gives a JWT request to the API its own shorter list
(``BearerApiMiddleware``, ``API_MIDDLEWARE``), and stock middlewares narrowed to skip work they never need."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache, partial
from typing import NamedTuple, TypeVar

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware, auser, get_user
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase, ResponseHeaders
from django.middleware.common import CommonMiddleware
from django.middleware.locale import LocaleMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.functional import SimpleLazyObject, empty
from django.utils.module_loading import import_string
from django_otp.middleware import OTPMiddleware

from identity.middleware import StaffSecondFactorMiddleware

API_PREFIX = "/api/"

# ---- Headers written once checked ---------------------------------------------------------------------------

# One header as ``HttpResponse.headers`` (a ``ResponseHeaders``) stores it: its lower-case name, (name, value).
Header = tuple[str, tuple[str, str]]


def checked_headers(headers: dict[str, str]) -> tuple[Header, ...]:
    """``headers`` as ``HttpResponse.headers`` stores them, each checked once the way it checks every write (an
    ASCII name, a Latin-1 or MIME-encoded value, no newline: ``BadHeaderError`` here, not on a response)."""
    return tuple(ResponseHeaders(headers)._store.items())


def set_absent(response: HttpResponseBase, headers: Iterable[Header]) -> None:
    """``response.headers.setdefault(name, value)`` for each of ``headers`` (from ``checked_headers``), without
    checking the same constant again on every response: a ``setdefault`` finds a missing name by raising and
    catching a ``KeyError`` and encodes the name and the value again, and an answer goes through a dozen of them
    in the middlewares (benchmarks/REPORT.md). ``tests/eservice/test_constant_headers.py`` holds it to ``setdefault``."""
    store = response.headers._store
    for key, pair in headers:
        if key not in store:
            store[key] = pair


def has_header(response: HttpResponseBase, key: str) -> bool:
    """``key in response`` for a lower-case ``key``, without raising and catching a ``KeyError`` when absent."""
    return key in response.headers._store


_Lazy = TypeVar("_Lazy", bound=SimpleLazyObject)


def lazy_object(cls: type[_Lazy], function: Callable[[], object]) -> _Lazy:
    """``cls(function)`` for a ``SimpleLazyObject`` class, with the two attributes its ``__init__`` sets written
    straight into the new object: that ``__init__`` writes them through the lazy object's own ``__setattr__``
    and ``__getattribute__`` (Python code, each missing attribute raised and caught), about 1 µs for each of the
    three lazy objects a request gets (the user, the flash messages, the CSP nonce).
    ``tests/eservice/test_constant_headers.py`` holds the object to one made by ``cls(function)``."""
    made = cls.__new__(cls)
    _set_attribute(made, "_setupfunc", function)
    _set_attribute(made, "_wrapped", empty)
    return made


_set_attribute = object.__setattr__


class PrivateResponseMiddleware:
    """Every API answer and every page served to a signed-in user is ``Cache-Control: private, no-store``.

    API answers also carry ``Vary: Authorization``: they depend on the bearer token, not only on the URL. A view
    that says on purpose that its answer is public (the JWKS) keeps its own ``Cache-Control``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        is_api = request.path.startswith(API_PREFIX)
        if is_api:
            # Most answers have no Vary yet: set it outright (patch_vary_headers parses and rebuilds the header).
            if has_header(response, "vary"):
                patch_vary_headers(response, ["Authorization"])
            else:
                set_absent(response, _VARY_AUTHORIZATION)
        if is_api or _signed_in(request):
            cache_control = response.headers._store.get("cache-control")
            if cache_control is None:
                set_absent(response, _PRIVATE)
            elif "public" not in cache_control[1]:
                patch_cache_control(response, private=True, no_store=True)
        return response


_VARY_AUTHORIZATION = checked_headers({"Vary": "Authorization"})
_PRIVATE = checked_headers({"Cache-Control": "private, no-store"})


class FramingPolicyMiddleware(CSPMiddleware):
    """The constant headers that say who may show our pages, what they may load and what a browser may guess, in
    one layer, each checked once per process: django-csp's ``Content-Security-Policy`` (the policy built once,
    not for every response), Django's ``X-Frame-Options`` (what ``XFrameOptionsMiddleware`` writes, for browsers
    older than ``frame-ancestors``), and the headers Django's ``SecurityMiddleware`` writes on every answer.

    The project's policy is static: no nonce, no per-view ``csp_update``/``csp_replace``, no report-only policy.
    django-csp rebuilds the header string from the settings for each response (about a tenth of a millisecond,
    the most expensive layer on a small API answer); this writes the same string, built once. Anything dynamic
    (a nonce asked for by a template, a view's own policy) still goes through django-csp unchanged. A view that
    sets its own ``X-Frame-Options`` or is ``xframe_options_exempt`` keeps it, as with Django's middleware
    (``security.W002``, which looks for that middleware by name, is silenced in the settings for this).

    ``SecurityMiddleware`` stays in both lists, outside this layer, by its name (Django's deploy checks of HSTS,
    the HTTPS redirect and the rest look for it by name): it still writes its headers on an answer that never
    reaches this layer (a redirect or a refusal by a layer between them), and finds them already written on
    every other one, which costs it a lookup each instead of a lookup that raises and a checked write.
    """

    # What django-csp's decorators set on a response (instance attributes: looked up in its __dict__, since a
    # hasattr that fails raises and catches an AttributeError each time).
    _DYNAMIC = frozenset(("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt", "_csp_config_ro"))

    def process_request(self, request: HttpRequest) -> None:
        # django-csp's own, the lazy nonce made without SimpleLazyObject's __init__ (lazy_object).
        request.csp_nonce = lazy_object(CheckableLazyObject, partial(self._make_nonce, request))

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        headers = _static_headers()
        set_absent(response, headers.security[headers.hsts and request.is_secure()])
        attributes = vars(response)
        if not attributes.get("xframe_options_exempt"):
            set_absent(response, headers.frame_options)
        if (
            headers.policy is None
            or vars(request).get("_csp_nonce") is not None
            or not self._DYNAMIC.isdisjoint(attributes)
            or (settings.DEBUG and response.status_code in (404, 500))
        ):
            return super().process_response(request, response)
        set_absent(response, headers.policy)
        # As django-csp does: a nonce asked for after the header is written is an error, not a silent gap (one
        # object for every request: asking it only raises, so it never holds a value).
        request.csp_nonce = _NONCE_AFTER_RESPONSE
        return response


_NONCE_AFTER_RESPONSE = CheckableLazyObject(CSPMiddleware._csp_nonce_post_response)


class _StaticHeaders(NamedTuple):
    policy: tuple[Header, ...] | None  # the CSP header when it is a constant; None: django-csp decides
    frame_options: tuple[Header, ...]
    security: dict[bool, tuple[Header, ...]]  # SecurityMiddleware's, by whether the request came over HTTPS
    hsts: bool  # whether they differ by that (SECURE_HSTS_SECONDS)


_headers_cache: list[_StaticHeaders] = []


def _static_headers() -> _StaticHeaders:
    """The policy header when it can be written as a constant (no report-only policy, no excluded prefixes), the
    ``X-Frame-Options`` header and ``SecurityMiddleware``'s. Built once per process."""
    if not _headers_cache:
        config = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
        static = not getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None) and not config.get(
            "EXCLUDE_URL_PREFIXES"
        )
        frame_options = getattr(settings, "X_FRAME_OPTIONS", "DENY").upper()  # as XFrameOptionsMiddleware
        _headers_cache.append(
            _StaticHeaders(
                policy=checked_headers({HEADER: build_policy()}) if static and config else None,
                frame_options=checked_headers({"X-Frame-Options": frame_options}),
                security={secure: _security_headers(secure) for secure in (False, True)},
                hsts=bool(settings.SECURE_HSTS_SECONDS),
            )
        )
    return _headers_cache[0]


def _security_headers(secure: bool) -> tuple[Header, ...]:
    """What ``SecurityMiddleware`` writes on an answer without headers of its own: its ``process_response`` run
    once on an empty answer (they depend on nothing else than the settings and the scheme)."""
    probe = HttpResponseBase()
    before = set(probe.headers._store)
    SecurityMiddleware(lambda request: probe).process_response(_Scheme(secure), probe)
    return tuple((key, pair) for key, pair in probe.headers._store.items() if key not in before)


class _Scheme:
    """All ``SecurityMiddleware.process_response`` asks of a request."""

    def __init__(self, secure: bool) -> None:
        self.secure = secure

    def is_secure(self) -> bool:
        return self.secure


@receiver(setting_changed)
def _forget_policy(*, setting: str, **kwargs: object) -> None:
    if setting.startswith(("CONTENT_SECURITY_POLICY", "SECURE_")) or setting == "X_FRAME_OPTIONS":
        _headers_cache.clear()


# ---- A JWT request to the API: its own, shorter middleware list ---------------------------------------------


class BearerApiMiddleware:
    """First in ``MIDDLEWARE``: a JWT request to the API goes through ``API_MIDDLEWARE`` to its view; every other
    request goes on through the whole ``MIDDLEWARE``.

    Such a request is authenticated by DRF from its token alone (``identity.authentication``): it has no session,
    so the session, its user, OTP, the staff second-factor rule, flash messages, CSRF (nothing to forge without
    a cookie) and the static files have nothing to do for it, and each layer, even one that only steps aside,
    costs its call (benchmarks/REPORT.md). ``API_MIDDLEWARE`` keeps what an API answer needs: the security
    headers, the 503 for a lost database, the caller's language, the host check, the NUL guard,
    ``Cache-Control``/``Vary``, rate limits and lockouts. Being a middleware, the route is the same under
    gunicorn, the test client and the live test server."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.api = _ApiHandler()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_bearer_api_request(request):
            return self.api.chain(request)
        return self.get_response(request)


class _ApiHandler(BaseHandler):
    """Django's handler with ``API_MIDDLEWARE`` for its chain (sync only, as the WSGI handler that calls it):
    what ``BaseHandler.load_middleware`` does with ``MIDDLEWARE``, view and exception hooks included."""

    def __init__(self) -> None:
        self._view_middleware: list = []
        self._template_response_middleware: list = []
        self._exception_middleware: list = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(settings.API_MIDDLEWARE):
            middleware = import_string(path)(handler)
            if hasattr(middleware, "process_view"):
                self._view_middleware.insert(0, middleware.process_view)
            if hasattr(middleware, "process_template_response"):
                self._template_response_middleware.append(middleware.process_template_response)
            if hasattr(middleware, "process_exception"):
                self._exception_middleware.append(middleware.process_exception)
            handler = convert_exception_to_response(middleware)
        self.chain = self._middleware_chain = handler


class UnprefixedLocaleMiddleware(LocaleMiddleware):
    """``LocaleMiddleware`` where the URLconf has no language-prefixed paths (this project's has none): the
    language is the cookie's or the ``Accept-Language`` header's, and the path is not looked at twice for a
    language it cannot hold. The language Django picks for a cookie and a header is kept per pair
    (``_language_for``): it depends on nothing else. With prefixed patterns, it is the stock middleware."""

    def process_request(self, request: HttpRequest) -> None:
        if _language_prefixes(request):
            return super().process_request(request)
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        accept_language = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
        if len(accept_language) + len(cookie or "") > _KEPT_PAIR_LENGTH:  # not kept: 512 × 8 KB would add up
            language, code = _language_for.__wrapped__(cookie, accept_language)
        else:
            language, code = _language_for(cookie, accept_language)
        translation.activate(language)
        request.LANGUAGE_CODE = code
        return None

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if _language_prefixes(request):
            return super().process_response(request, response)
        if has_header(response, "vary"):
            patch_vary_headers(response, ("Accept-Language",))
        else:  # most answers: set outright (patch_vary_headers parses and rebuilds the header)
            set_absent(response, _VARY_ACCEPT_LANGUAGE)
        if not has_header(response, "content-language"):
            set_absent(response, _content_language(translation.get_language()))
        return response


_VARY_ACCEPT_LANGUAGE = checked_headers({"Vary": "Accept-Language"})


@lru_cache(maxsize=64)
def _content_language(code: str | None) -> tuple[Header, ...]:
    return checked_headers({"Content-Language": code})


_KEPT_PAIR_LENGTH = 512  # a browser's cookie and header are a few dozen characters


@lru_cache(maxsize=512)
def _language_for(cookie: str | None, accept_language: str) -> tuple[str, str]:
    """What ``get_language_from_request`` picks for this language cookie and ``Accept-Language`` header (it
    reads nothing else of the request), and what ``get_language`` then says (``request.LANGUAGE_CODE``)."""
    language = translation.get_language_from_request(_LanguageAsked(cookie, accept_language))
    return language, translation.to_language(language)


class _LanguageAsked:
    """The two parts of a request ``get_language_from_request`` reads (without a path to check)."""

    def __init__(self, cookie: str | None, accept_language: str) -> None:
        self.COOKIES = {} if cookie is None else {settings.LANGUAGE_COOKIE_NAME: cookie}
        self.META = {"HTTP_ACCEPT_LANGUAGE": accept_language}


@receiver(setting_changed)
def _forget_languages(**kwargs: object) -> None:
    _language_for.cache_clear()


def _language_prefixes(request: HttpRequest) -> bool:
    # A request's own urlconf is an attribute a middleware set on it (read from its __dict__: a getattr that
    # misses raises and catches an AttributeError, and most requests have none).
    return is_language_prefix_patterns_used(vars(request).get("urlconf") or settings.ROOT_URLCONF)[0]


def is_bearer_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX) and request.META.get("HTTP_AUTHORIZATION", "")[
        :7
    ].lower() == ("bearer ")


# ---- Stock middlewares, narrowed or joined into one layer ------------------------------------------------


class HostCheckedCommonMiddleware(CommonMiddleware):
    """Django's ``CommonMiddleware`` with the host check remembered: a ``Host`` header that passed it once passes
    without being parsed and matched against ``ALLOWED_HOSTS`` again (about 5 µs a request; the header is the
    same on nearly every request). A host that fails is checked every time (the 400 with its log line), and
    only the first few hosts that pass are kept, so a wildcard in ``ALLOWED_HOSTS`` cannot grow the set. With
    ``DISALLOWED_USER_AGENTS``, ``PREPEND_WWW`` or ``USE_X_FORWARDED_HOST`` set it is the stock middleware.
    The slash redirect is the stock one; ``Content-Length`` is the stock value, written without checking it."""

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        host = request.META.get("HTTP_HOST")
        if host in _passed_hosts:
            return None
        response = super().process_request(request)
        if host is not None and len(_passed_hosts) < _HOSTS_KEPT and _host_check_is_all(response):
            _passed_hosts.add(host)
        return response

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if response.status_code == 404 or response.streaming or has_header(response, "content-length"):
            return super().process_response(request, response)  # the slash redirect; what has its length
        # The stock Content-Length, written without checking a number's characters.
        response.headers._store["content-length"] = ("Content-Length", str(len(response.content)))
        return response


_HOSTS_KEPT = 16
_passed_hosts: set[str] = set()


def _host_check_is_all(response: HttpResponse | None) -> bool:
    return response is None and not (
        settings.DISALLOWED_USER_AGENTS or settings.PREPEND_WWW or settings.USE_X_FORWARDED_HOST
    )


@receiver(setting_changed)
def _forget_hosts(**kwargs: object) -> None:
    _passed_hosts.clear()


class UntouchedSessionMiddleware(SessionMiddleware):
    """Django's ``SessionMiddleware``, an answer left alone at once when its request sent no session cookie and
    nothing read or changed the session (a visitor's page, the health check): the stock one decides the same
    (nothing to save, to delete or to vary on) after asking whether the session is empty, which raises and
    catches an ``AttributeError`` for a session never loaded."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        session = vars(request).get("session")
        if (
            session is not None
            and not (session.accessed or session.modified)
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
        ):
            return response
        return super().process_response(request, response)


class SessionUserMiddleware(AuthenticationMiddleware):
    """Who is signed in through the session, in one layer: Django's ``AuthenticationMiddleware`` (``request.user``,
    read from the session when first used), django-otp's ``OTPMiddleware`` (that user's ``otp_device`` and
    ``is_verified()``), and the staff second-factor rule (``identity.middleware``), skipped when the session
    names nobody (a visitor).

    Stacked, the first two make two nested lazy objects for every request and each layer costs its call, though
    most requests never look at the user; here ``request.user`` is one lazy object, made by OTPMiddleware's own
    code when first used (``request.auser`` the same for async code). A staff token is refused without the code
    by ``identity.authentication.JWTAuthentication``: this is for sessions."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        super().__init__(get_response)
        self._otp = OTPMiddleware(get_response)
        self._second_factor = StaffSecondFactorMiddleware(get_response)

    def process_request(self, request: HttpRequest) -> None:
        request.user = lazy_object(SimpleLazyObject, partial(self._verified_user, request))
        request.auser = partial(self._otp._verify_user_async_via_auser, request, partial(auser, request))

    def _verified_user(self, request: HttpRequest) -> object:
        return self._otp._verify_user_sync(request, get_user(request))

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> HttpResponse | None:
        if not _session_has_user(request):
            return None  # nobody signed in through a session: no staff session to hold back
        return self._second_factor.process_view(request, view_func, view_args, view_kwargs)


def _signed_in(request: HttpRequest) -> bool:
    # A visitor's session names no user: answered without loading the (anonymous) user at all.
    user = getattr(request, "user", None)
    return user is not None and _session_has_user(request) and user.is_authenticated


def _session_has_user(request: HttpRequest) -> bool:
    """Whether the session names a signed-in user, read without loading that user (a visitor's request, most
    of the public pages and the health check, then skips the user lookup altogether)."""
    session = getattr(request, "session", None)
    if session is None:
        return True
    if session.session_key is None and not session.modified:
        return False  # no session cookie and nothing stored yet: not even the (empty) session is read
    return SESSION_KEY in session


class BrowserMessageMiddleware(MessageMiddleware):
    """Flash messages (stored in the session), the store made when first used.

    The message store is made when a view or template first touches it, not for every request: most answers
    (API calls, files, redirects without a message) never do, and then there is nothing to save either."""

    def process_request(self, request: HttpRequest) -> None:
        request._messages = lazy_object(SimpleLazyObject, partial(default_storage, request))

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response  # never used: nothing was read or added
        return super().process_response(request, response)
