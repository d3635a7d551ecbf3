/// The answer to an API request whose bearer token is not live.
public enum InvalidTokenResponse: Sendable {
    /// Kong's 404 `no Route matched with those values`, which Segura documents as "the authorization header is
    /// missing" (the default, matching the docs).
    case kongNoRoute
    /// 401 `{"error":"access_denied","message":"The resource owner or authorization server denied the request."}`.
    ///
    /// Inference: Segura's token errors match `thephpleague/oauth2-server`, whose resource-server check answers
    /// this for a bad bearer token; offered for deployments whose Kong routes do not match on the header.
    case unauthorized
}
