package dev.aigw;

import java.net.URI;

/**
 * Where one provider call goes: the URI the caller asked for and the gateway URI it is sent to.
 *
 * @param provider the provider whose prefix matched
 * @param original the URI as the caller wrote it
 * @param target   the gateway URI: same method, path rest, query and fragment
 * @param rest     the path after the provider prefix in its RFC 3986 normal form (unreserved characters unescaped,
 *                 other escapes in upper-case hex, no dot segments), e.g. {@code /predictions/abc} (may be empty)
 */
public record Route(Provider provider, URI original, URI target, String rest) {
}
