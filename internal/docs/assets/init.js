// Starts Swagger UI on the docs page. It lives in its own file, not in the
// page, so that the page works under a Content-Security-Policy that allows
// no inline scripts. The page names the OpenAPI document in the
// data-spec-url attribute of its body.
(function () {
  "use strict";
  var specURL = document.body.getAttribute("data-spec-url");
  window.ui = SwaggerUIBundle({
    url: specURL,
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: false,
    oauth2RedirectUrl: window.location.origin + "/docs/oauth2-redirect.html",
    // Never load another document named in the page's query string, and
    // never ask an online validator about this one.
    queryConfigEnabled: false,
    validatorUrl: null,
    displayRequestDuration: true
  });
})();
