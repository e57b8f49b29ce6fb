// Package emulator is a local stand-in for the Zoho CRM Data Backup REST API
// (/crm/bulk/{version}/backup), its download host and the token endpoint of
// Zoho Accounts. It answers with Zoho's own paths, JSON keys, codes, messages
// and HTTP statuses, and listens on loopback only. Where Zoho's documentation
// leaves a behaviour open, an Option selects the other form; faults
// (InjectDownloadFault, WithDownloadFaults) and the admin endpoints under
// /_emulator/ break answers on purpose. docs/design/emulator.md gives the
// design: what is taken from Zoho's pages, what is assumed, and why.
package emulator
