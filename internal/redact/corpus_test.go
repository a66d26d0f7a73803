package redact

// corpus is a set of ticket messages and notes as staff write them, with
// what a role without identity must read. Each names the patient whose
// redactor applies (rossi or deLuca); about a quarter must not change.
var corpus = []struct {
	patient int64
	in      string
	want    string
}{
	// Phones in the ways people write them.
	{1, "Chiamato il 347 2184590, risponde la figlia.", "Chiamato il [phone], risponde la figlia."},
	{1, "Numero della figlia: 347-218-4590", "Numero della figlia: [phone]"},
	{1, "tel. +39 347 218 4590 (Giulia)", "tel. [phone] ([contact])"},
	{1, "Tel (+39) 347.218.4590", "Tel [phone]"},
	{1, "cell 3472184590", "cell [phone]"},
	{1, "cell.3472184590", "cell.[phone]"},
	{1, "347/2184590 non raggiungibile", "[phone] non raggiungibile"},
	{1, "Richiamare il +393472184590 in serata", "Richiamare il [phone] in serata"},
	{1, "Fisso 02 26147735, squilla a vuoto", "Fisso [phone], squilla a vuoto"},
	{1, "Fisso +39 02 2614 7735", "Fisso [phone]"},
	{1, "Chiavi dalla vicina (335 604 11 87)", "Chiavi dalla vicina ([phone])"},
	{1, "Il figlio risponde al 338.111.22.33", "Il figlio risponde al [phone]"},
	{1, "Seriale hub 3472184591", "Seriale hub 3472184591"},
	{1, "Ordine n. 13472184590 evaso", "Ordine n. 13472184590 evaso"},
	{1, "Codice pratica 2184590", "Codice pratica 2184590"},
	// Names, with and without accents, in any case.
	{1, "Il sig. Rossi non era in casa", "Il sig. Achille non era in casa"},
	{1, "Il sig. ROSSÌ ha firmato il consenso", "Il sig. Achille ha firmato il consenso"},
	{1, "Nicolò Rossi presente all'installazione", "Achille presente all'installazione"},
	{1, "Nicolo' Rossi presente", "Achille presente"},
	{1, "Rossi Nicolo ha chiesto di spostare il sensore", "Achille ha chiesto di spostare il sensore"},
	{1, "Parlato con NICOLO' al citofono", "Parlato con Achille al citofono"},
	{1, "Casa Rossi: sensore porta ok", "Casa Achille: sensore porta ok"},
	{1, "Nicolò\nRossi", "Achille\nAchille"},
	{1, "Ascolta Rossini tutto il giorno, volume alto", "Ascolta Rossini tutto il giorno, volume alto"},
	// The address, with and without type, number, postcode.
	{1, "Indirizzo: via Padova 118, secondo piano", "Indirizzo: [address], secondo piano"},
	{1, "Sono in V. Padova 118 alle 9", "Sono in [address] alle 9"},
	{1, "Consegna in via padova n. 118", "Consegna in [address]"},
	{1, "Via Padova 118, 20127 Milano", "[address]"},
	{1, "Padova 118, citofono guasto", "[address], citofono guasto"},
	{1, "Pacco lasciato in via Padova 118/B", "Pacco lasciato in [address]"},
	{1, "Il furgone era parcheggiato in via Padova", "Il furgone era parcheggiato in [address]"},
	{1, "Sensori spediti dal magazzino di Padova", "Sensori spediti dal magazzino di Padova"},
	{1, "Via libera al ritiro dopo le 14", "Via libera al ritiro dopo le 14"},
	// Codice fiscale.
	{1, "CF RSSNCL41C14F205Z", "CF [codice fiscale]"},
	{1, "cf: rss ncl 41c14 f205z.", "cf: [codice fiscale]."},
	{1, "C.F. R.S.S.N.C.L.4.1.C.1.4.F.2.0.5.Z", "C.F. [codice fiscale]"},
	// E-mail and contacts' aliases.
	{1, "Mail: giulia.rossi@example.it.", "Mail: [email]."},
	{1, "La figlia Giulia aprirà alle 9", "La figlia [contact] aprirà alle 9"},
	{1, "Giulia ha le chiavi", "[contact] ha le chiavi"},
	{1, "Parlato con la figlia, tutto ok", "Parlato con la figlia, tutto ok"},
	{1, "La vicina, sig.ra Bianchi, ha le chiavi", "La vicina, sig.ra [contact], ha le chiavi"},
	{1, "Sensore della ditta Bianchini sostituito", "Sensore della ditta Bianchini sostituito"},
	{1, "Ha una Alfa Romeo Giulietta in garage", "Ha una Alfa Romeo Giulietta in garage"},
	{1, "The son will be home; season tickets on the table, a person from the gas company came", "The son will be home; season tickets on the table, a person from the gas company came"},
	// Document names.
	{1, "Consenso_Rossi_Nicolo.pdf", "Consenso_Achille.pdf"},
	{1, "consenso-RossiNicolo-firmato.pdf", "consenso-Achille-firmato.pdf"},
	{1, "CF_RSSNCL41C14F205Z.jpg", "CF_[codice fiscale].jpg"},
	{1, "verbale installazione 2024-03-14.pdf", "verbale installazione 2024-03-14.pdf"},
	// Messages that name nobody.
	{1, "Kit installato e testato, hub online.", "Kit installato e testato, hub online."},
	{1, "Batteria del sensore porta sostituita.", "Batteria del sensore porta sostituita."},
	{1, "Appuntamento spostato a giovedì ore 10:30.", "Appuntamento spostato a giovedì ore 10:30."},
	{1, "Router Vodafone Station, password sul retro.", "Router Vodafone Station, password sul retro."},
	{1, "Nessun dato dalle 03:00, segnalato dal monitoraggio.", "Nessun dato dalle 03:00, segnalato dal monitoraggio."},
	{1, "Ritiro kit completato: 6 sensori e 1 hub.", "Ritiro kit completato: 6 sensori e 1 hub."},
	{1, "La signora era stanca, ritorno lunedì.", "La signora era stanca, ritorno lunedì."},
	// A first name of two words, a surname with a particle, a square.
	{2, "La signora De Luca è a casa", "La signora Achille è a casa"},
	{2, "Signora DELUCA assente", "Signora Achille assente"},
	{2, "La sig.ra Maria Grazia ha aperto", "La sig.ra Achille ha aperto"},
	{2, "Maria Grazia De Luca", "Achille"},
	{2, "De Luca, Maria Grazia", "Achille"},
	{2, "Grazie Maria!", "Grazie Achille!"},
	{2, "Grazie mille, a presto", "Grazie mille, a presto"},
	{2, "Luca (tecnico) ha completato il ritiro", "Luca (tecnico) ha completato il ritiro"},
	{2, "Appuntamento in piazza Leonardo da Vinci 32", "Appuntamento in [address]"},
	{2, "P.za Leonardo da Vinci n. 32, citofono De Luca", "[address], citofono Achille"},
	{2, "p.zza leonardo da vinci 32", "[address]"},
	{2, "Visita al museo Leonardo da Vinci", "Visita al museo Leonardo da Vinci"},
	{2, "Chiamata la nipote Laura al 333 123 4567", "Chiamata la nipote [contact] al [phone]"},
	{2, "Laura non risponde, riprovo", "[contact] non risponde, riprovo"},
	{2, "badante: 339 876 5432", "badante: [phone]"},
	{2, "La badante ha cambiato turno", "La badante ha cambiato turno"},
	{2, "dlcmgr38s42f205k", "[codice fiscale]"},
	{2, "Codice fiscale DLC MGR 38S42 F205K confermato", "Codice fiscale [codice fiscale] confermato"},
	{2, "Sensore porta De Luca-2 offline", "Sensore porta Achille-2 offline"},
}
