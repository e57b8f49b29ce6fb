package zoho

import "regexp"

// TokenPattern matches anything shaped like a Zoho OAuth token
// ("1000.<hex>.<hex>"). The client redacts it from every excerpt it quotes;
// the provider masks it in every log line, so a token that reached a message
// by any path (a proxy's echo, a future log field) is still hidden.
func TokenPattern() *regexp.Regexp { return tokenPattern }
