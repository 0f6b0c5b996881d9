// Package e2e holds browser end-to-end tests: a real charla, a real database
// and Debian's chromium driven by chromedp, as a visitor and an agent would.
package e2e
