package emulator

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestRoutingAndAuthOrder(t *testing.T) {
	s := newServer(t)
	s.AddToken("noscope")
	s.AddToken("readonly", ScopeRead)
	s.AddNonAdminToken("nonadmin", ScopeAll)
	s.AddNonAdminToken("nonadmin-noscope", "ZohoCRM.modules.ALL")
	s.AddToken("revoked", ScopeAll)
	s.RevokeToken("revoked")
	admin := "Zoho-oauthtoken " + adminToken

	type want struct {
		status        int
		code, message string
	}
	urlPattern := want{404, CodeInvalidURLPattern, msgInvalidURLPattern}
	authFail := want{401, CodeAuthenticationFailure, "Authentication failed"}
	invalidToken := want{401, CodeInvalidToken, "invalid oauth token"}
	badMethod := want{400, CodeInvalidRequestMethod, "The http request method type is not a valid one"}
	scope := want{401, CodeOAuthScopeMismatch, "invalid oauth scope to access this URL"}
	noPerm := want{403, CodeNoPermission, "permission denied"}

	tests := []struct {
		name, method, path, auth string
		want                     want
	}{
		{"unknown path beats missing auth", "GET", "/crm/bulk/v8/backups", "", urlPattern},
		{"unsupported version", "GET", "/crm/bulk/v7/backup", admin, urlPattern},
		{"crm/v8 instead of crm/bulk", "GET", "/crm/v8/backup", admin, urlPattern},
		{"trailing slash", "GET", basePath + "/", admin, urlPattern},
		{"backup/info does not exist", "GET", basePath + "/info", admin, urlPattern},
		{"cancel without id", "PUT", basePath + "//actions/cancel", admin, urlPattern},
		{"cancel path too long", "PUT", cancelPath("1") + "/x", admin, urlPattern},
		{"root", "GET", "/", admin, urlPattern},
		{"no header", "GET", basePath, "", authFail},
		{"bearer scheme", "GET", basePath, "Bearer " + adminToken, authFail},
		{"lower-case scheme", "GET", basePath, "zoho-oauthtoken " + adminToken, authFail},
		{"scheme without token", "GET", basePath, "Zoho-oauthtoken ", authFail},
		{"bare token", "GET", basePath, adminToken, authFail},
		{"unknown token", "GET", basePath, "Zoho-oauthtoken nope", invalidToken},
		{"revoked token", "GET", basePath, "Zoho-oauthtoken revoked", invalidToken},
		{"unknown token beats bad method", "DELETE", basePath, "Zoho-oauthtoken nope", invalidToken},
		{"bad method on /backup", "DELETE", basePath, admin, badMethod},
		{"PUT on /backup", "PUT", basePath, admin, badMethod},
		{"POST on urls", "POST", urlsPath, admin, badMethod},
		{"PUT on history", "PUT", histPath, admin, badMethod},
		{"GET on cancel", "GET", cancelPath("4876876000001593003"), admin, badMethod},
		{"POST on cancel", "POST", cancelPath("4876876000001593003"), admin, badMethod},
		{"bad method beats scope", "PATCH", basePath, "Zoho-oauthtoken noscope", badMethod},
		{"no scopes", "GET", basePath, "Zoho-oauthtoken noscope", scope},
		{"read scope cannot create", "POST", basePath, "Zoho-oauthtoken readonly", scope},
		{"scope beats admin check", "GET", basePath, "Zoho-oauthtoken nonadmin-noscope", scope},
		{"non-admin", "GET", basePath, "Zoho-oauthtoken nonadmin", noPerm},
		{"non-admin cancel", "PUT", cancelPath("1"), "Zoho-oauthtoken nonadmin", noPerm},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := send(t, s, tt.method, tt.path, tt.auth, "")
			d := wantTopError(t, res, tt.want.status, tt.want.code, tt.want.message)
			if tt.want.code == CodeNoPermission {
				wantDetails(t, d, map[string]any{"permissions": []string{backupPermission}})
			} else {
				wantDetails(t, d, map[string]any{})
			}
		})
	}

	t.Run("permissions_needed form", func(t *testing.T) {
		s := newServer(t, WithPermissionsNeededKey(true))
		s.AddNonAdminToken("nonadmin", ScopeAll)
		res := send(t, s, "GET", basePath, "Zoho-oauthtoken nonadmin", "")
		d := wantTopError(t, res, 403, CodeNoPermission, "permission denied")
		wantDetails(t, d, map[string]any{"permissions_needed": []string{backupPermission}})
	})

	t.Run("extra versions", func(t *testing.T) {
		s := newServer(t, WithVersions("v7", "v8"))
		wantNoContent(t, do(t, s, http.MethodGet, "/crm/bulk/v7/backup", ""))
		wantNoContent(t, do(t, s, http.MethodGet, "/crm/bulk/v8/backup", ""))
		wantTopError(t, do(t, s, http.MethodGet, "/crm/bulk/v6/backup", ""), 404, CodeInvalidURLPattern, msgInvalidURLPattern)
	})
}

func TestScopesPerEndpoint(t *testing.T) {
	endpoints := []struct {
		name, method, path string
		allowed            []string
	}{
		{"schedule", http.MethodPost, basePath, []string{ScopeAll, ScopeCreate}},
		{"details", http.MethodGet, basePath, []string{ScopeAll, ScopeRead}},
		{"urls", http.MethodGet, urlsPath, []string{ScopeAll, ScopeRead}},
		{"history", http.MethodGet, histPath, []string{ScopeAll, ScopeRead}},
		{"cancel", http.MethodPut, cancelPath("4876876000001593003"), []string{ScopeAll, ScopeUpdate}},
	}
	scopes := []string{ScopeAll, ScopeCreate, ScopeRead, ScopeUpdate, "ZohoCRM.modules.ALL", "ZohoCRM.settings.ALL"}
	for _, ep := range endpoints {
		for _, scope := range scopes {
			t.Run(ep.name+" "+scope, func(t *testing.T) {
				s := newServer(t)
				s.AddToken("tok", scope)
				// Another scope next to the right one must not get in the way.
				s.AddToken("tok2", "ZohoCRM.users.READ", scope)
				for _, tok := range []string{"tok", "tok2"} {
					res := send(t, s, ep.method, ep.path, "Zoho-oauthtoken "+tok, "")
					if slices.Contains(ep.allowed, scope) {
						if res.status == http.StatusUnauthorized || res.status == http.StatusForbidden {
							t.Fatalf("%s refused: %d %s", tok, res.status, res.raw)
						}
					} else {
						wantTopError(t, res, 401, CodeOAuthScopeMismatch, "invalid oauth scope to access this URL")
					}
				}
			})
		}
	}
}

func TestOversizedBody(t *testing.T) {
	s := newServer(t)
	body := `{"backup":{"rrule":"` + strings.Repeat("x", maxBodyBytes) + `"}}`
	res := do(t, s, http.MethodPost, basePath, body)
	wantTopError(t, res, http.StatusBadRequest, CodeRequestBodyNotReadable, msgRequestBodyNotReadable)
}
