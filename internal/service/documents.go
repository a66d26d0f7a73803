package service

import (
	"context"

	"serenade/internal/domain"
)

// AddDocument stores a file of an installation. The name follows the text
// policy; the content type is sniffed from the bytes, never taken from
// the client. The type is one of domain.DocumentTypes, other when empty.
func (s *Study) AddDocument(ctx context.Context, installationID int64, typ domain.DocumentType, name string, content []byte) (domain.Document, error) {
	typ, err := domain.ParseDocumentType(string(typ))
	if err != nil {
		return domain.Document{}, err
	}
	if name, err = domain.CleanDocumentName(name); err != nil {
		return domain.Document{}, err
	}
	if len(content) == 0 {
		return domain.Document{}, domain.Invalid("file", "is empty")
	}
	return s.db.InsertDocument(ctx, domain.Document{InstallationID: installationID, Name: name, Type: typ,
		ContentType: sniffContentType(content), UploadedBy: domain.ActorName(ctx)}, content)
}

// Documents lists an installation's documents (metadata only).
func (s *Study) Documents(ctx context.Context, installationID int64) ([]domain.Document, error) {
	return s.db.Documents(ctx, installationID)
}

// DocumentContent returns a document with its decrypted content.
func (s *Study) DocumentContent(ctx context.Context, id int64) (domain.Document, []byte, error) {
	return s.db.DocumentContent(ctx, id)
}

// DeleteDocument removes a document.
func (s *Study) DeleteDocument(ctx context.Context, id int64) error {
	return s.db.DeleteDocument(ctx, id)
}
