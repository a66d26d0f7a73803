package demo

import (
	"time"

	"serenade/internal/domain"
)

// The demo patients are fictitious. Names, addresses, phone numbers and
// stories are made up; e-mail addresses use the reserved example.it
// domain. Codici fiscali are computed from the made-up data.

type patientSpec struct {
	first, last string
	sex         string    // "M" or "F"
	born        time.Time // UTC midnight
	place       string    // Belfiore code of the birth place
	address     string
	notes       string
	diagnosis   string
	class       domain.DiagnosisClass
	contacts    []domain.Contact
	home        *domain.HomeContext // nil until the installers saw the home
	tickets     []ticketSpec        // the installation ticket first
	docs        []docSpec
}

// ticketSpec is a ticket's history, written as the access matrix allows:
// installers and the monitoring team open tickets and write on them, only
// installers close them. The first message of a maintenance or
// uninstallation ticket opens it; the installation ticket is opened by
// the enrolment and thread only adds to it.
type ticketSpec struct {
	category domain.TicketCategory
	thread   []message
	closedBy string // "" leaves the ticket open
}

type message struct{ by, body string }

type docSpec struct {
	name  string
	kind  docKind
	lines []string // text of a PDF report
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func msg(by, body string) message { return message{by: by, body: body} }

func installation(closedBy string, thread ...message) ticketSpec {
	return ticketSpec{category: domain.CategoryInstallation, thread: thread, closedBy: closedBy}
}

func maintenance(closedBy string, thread ...message) ticketSpec {
	return ticketSpec{category: domain.CategoryMaintenance, thread: thread, closedBy: closedBy}
}

func uninstallation(closedBy string, thread ...message) ticketSpec {
	return ticketSpec{category: domain.CategoryUninstallation, thread: thread, closedBy: closedBy}
}

func contact(alias, phone, email string) domain.Contact {
	return domain.Contact{Alias: alias, Phone: phone, Email: email}
}

// installedKit is the usual message of the installer closing the
// installation ticket.
func installedKit(details string) message {
	return msg(Installer, "Kit installed and tested with the hub online. "+details)
}

func report(title, kit string, lines ...string) []string {
	return append([]string{title, "Serenade study - sensor kit " + kit, "Technician: " + Installer, ""}, lines...)
}

// patients returns the demo patients: 5 waiting for installation, 8 with
// a working kit, 3 under maintenance, 2 being uninstalled and 2 inactive.
func patients() []patientSpec {
	return concat(toInstall(), working(), underMaintenance(), leaving())
}

func concat(groups ...[]patientSpec) []patientSpec {
	var out []patientSpec
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func toInstall() []patientSpec {
	return []patientSpec{
		{
			first: "Ambrogio", last: "Colombo", sex: "M", born: day(1941, time.March, 14), place: "F205",
			address: "Via Padova 118, 20127 Milano",
			notes: "Retired tram driver. Wife reports he repeats questions and misplaces keys and glasses several times a day " +
				"for about two years. MMSE 25/30. Independent in daily activities, still walks to the market alone.",
			diagnosis: "Amnestic mild cognitive impairment, single domain", class: domain.DiagnosisMCI,
			contacts: []domain.Contact{
				contact("daughter Giulia", "+39 347 218 4590", "giulia.colombo@example.it"),
				contact("wife Maddalena", "+39 02 2614 7735", ""),
			},
			home: &domain.HomeContext{
				ApartmentType: "flat, 2nd floor, no lift", InternetType: "unknown yet",
				Flatmates: "lives with his wife Maddalena", OtherNotes: "Details taken on the phone from the daughter; to be checked on site.",
			},
			tickets: []ticketSpec{installation("",
				msg(Installer, "Called the daughter Giulia: visit booked for Thursday at 9:00. She will be there with the spare keys."),
			)},
		},
		{
			first: "Giuseppina", last: "Brambilla", sex: "F", born: day(1938, time.November, 2), place: "F704",
			address: "Via Bergamo 27, 20900 Monza",
			notes: "Progressive memory loss over four years, now disoriented in time. Started donepezil 5 mg, increased to 10 mg " +
				"after six weeks, well tolerated. Lives with a live-in carer. One fall at night in the bathroom last winter, no fracture.",
			diagnosis: "Alzheimer's disease, mild to moderate stage", class: domain.DiagnosisAlzheimer,
			contacts: []domain.Contact{
				contact("son Paolo", "+39 335 604 1187", "paolo.brambilla@example.it"),
				contact("carer Svetlana", "+39 388 902 3316", ""),
			},
			tickets: []ticketSpec{installation("")},
		},
		{
			first: "Ernesto", last: "Fumagalli", sex: "M", born: day(1949, time.June, 21), place: "I690",
			address: "Viale Casiraghi 305, 20099 Sesto San Giovanni",
			notes: "Rest tremor of the right hand since 2019, bradykinesia and shuffling gait. On levodopa/carbidopa " +
				"100/25 mg three times a day with end-of-dose wearing off. Uses a walker outdoors.",
			diagnosis: "Idiopathic Parkinson's disease, Hoehn and Yahr stage 2.5", class: domain.DiagnosisParkinson,
			contacts: []domain.Contact{contact("wife Rosalba", "+39 340 771 2054", "rosalba.fumagalli@example.it")},
			tickets: []ticketSpec{installation("",
				msg(Monitoring, "From the enrolment visit: the patient uses a walker at home too, please keep cables off the hallway floor."),
			)},
		},
		{
			first: "Teresa", last: "Galbiati", sex: "F", born: day(1936, time.September, 8), place: "E507",
			address: "Via Monte Rosa 9, 20092 Cinisello Balsamo",
			notes: "Fluctuating attention and vivid visual hallucinations (sees children in the living room). REM sleep " +
				"behaviour disorder reported by the daughter. Avoid typical antipsychotics. Rivastigmine patch 9.5 mg.",
			diagnosis: "Probable dementia with Lewy bodies", class: domain.DiagnosisLewyBody,
			contacts: []domain.Contact{contact("daughter Elena", "+39 349 330 8712", "elena.galbiati@example.it")},
			tickets: []ticketSpec{installation("",
				msg(Installer, "Tried to call the daughter twice this week, no answer. Sent an e-mail to propose two dates."),
				msg(Installer, "Elena called back: she prefers a Saturday morning. Her mobile is the best number."),
			)},
		},
		{
			first: "Niccolò", last: "Redaelli", sex: "M", born: day(1952, time.January, 30), place: "A794",
			address: "Via Gorki 44, 20093 Cologno Monzese",
			notes: "Referred by his GP for word-finding difficulties and apathy noticed by his son. Neuropsychological " +
				"assessment and brain MRI booked. No medication changes for now.",
			diagnosis: "Cognitive complaints under assessment", class: domain.DiagnosisUnspecified,
			contacts: []domain.Contact{contact("son Matteo", "+39 331 458 9920", "matteo.redaelli@example.it")},
			tickets:  []ticketSpec{installation("")},
		},
	}
}

func working() []patientSpec {
	return []patientSpec{
		{
			first: "Rosanna", last: "Cattaneo", sex: "F", born: day(1944, time.May, 17), place: "F205",
			address: "Corso Lodi 86, 20139 Milano",
			notes: "Former primary school teacher. Memory decline for three years, gets lost in unfamiliar places. " +
				"Donepezil 10 mg in the evening; occasional vivid dreams. Hypertension treated with amlodipine.",
			diagnosis: "Alzheimer's disease, mild stage", class: domain.DiagnosisAlzheimer,
			contacts: []domain.Contact{
				contact("daughter Francesca", "+39 348 115 6043", "francesca.cattaneo@example.it"),
				contact("neighbour Signora Pina", "+39 02 5521 8890", ""),
			},
			home: &domain.HomeContext{
				ApartmentType: "flat, 4th floor with lift, 2 rooms", InternetType: "fibre (FTTH)",
				Flatmates: "lives alone", Pets: "a canary in the kitchen", Visitors: "daughter every evening, cleaning lady on Tuesdays",
				SmartphoneModel: "Samsung Galaxy A14", Appliances: "gas hob, microwave, old washing machine",
				HabitNotes: "Naps after lunch in the armchair; goes to Mass on Sunday mornings.",
			},
			tickets: []ticketSpec{installation(Installer,
				msg(Installer, "Visit confirmed with the daughter for Monday morning."),
				installedKit("Six motion sensors, two door contacts, bed mat under the mattress. The canary cage is far from the kitchen sensor."),
			)},
			docs: []docSpec{
				{name: "Installation report - Cattaneo Rosanna.pdf", kind: pdfReport, lines: report("Installation report", "SRN-KIT-014",
					"Motion sensors: hall, kitchen, living room, bedroom, bathroom, corridor",
					"Door contacts: entrance, fridge", "Bed pressure mat: single bed", "Gateway: fibre router, wired")},
				{name: "Floor plan - Cattaneo Rosanna.png", kind: pngPlan},
				{name: "Hub on the shelf - Cattaneo Rosanna.jpg", kind: jpegPhoto},
			},
		},
		{
			first: "Franco", last: "Locatelli", sex: "M", born: day(1939, time.December, 5), place: "A794",
			address: "Via Lorenteggio 171, 20147 Milano",
			notes: "Two lacunar strokes (2021, 2023). Slowed thinking, gait apraxia, urinary urgency. On clopidogrel and " +
				"atorvastatin. Falls: two in the last six months, both getting up at night.",
			diagnosis: "Subcortical vascular dementia", class: domain.DiagnosisVascular,
			contacts: []domain.Contact{
				contact("son Davide", "+39 339 507 2261", "davide.locatelli@example.it"),
				contact("carer Marisol", "+39 327 640 1958", ""),
			},
			home: &domain.HomeContext{
				ApartmentType: "ground floor flat with small garden", InternetType: "4G router (TIM)",
				Flatmates: "lives with the carer Marisol", Pets: "an old cat called Briciola", Visitors: "son at weekends, physiotherapist twice a week",
				SmartphoneModel: "Xiaomi Redmi Note 11", Appliances: "induction hob, stair lift to the cellar",
				IssueNotes: "Weak 4G signal in the bedroom; router placed on the hall cabinet.",
			},
			tickets: []ticketSpec{
				installation(Installer, installedKit("Router moved to the hall for a better signal; the cat ignores the sensors.")),
				maintenance(Installer,
					msg(Monitoring, "No events from the kitchen motion sensor for four days, while the others report normally."),
					msg(Installer, "Battery of the kitchen sensor was flat. Replaced it and checked the pairing: events arriving again."),
				),
			},
			docs: []docSpec{{name: "Installation report - Locatelli Franco.pdf", kind: pdfReport, lines: report("Installation report", "SRN-KIT-009",
				"Motion sensors: kitchen, living room, bedroom, bathroom", "Door contacts: entrance, garden door",
				"Bed pressure mat: double bed, right side", "Gateway: 4G router on the hall cabinet")}},
		},
		{
			first: "Pierina", last: "Pirovano", sex: "F", born: day(1947, time.August, 23), place: "C933",
			address: "Via Novara 89, 20153 Milano",
			notes: "Subjective memory complaints since her husband's death; mild executive difficulties at testing " +
				"(MMSE 27/30, MoCA 23/30). Mood low but improving with sertraline 50 mg.",
			diagnosis: "Mild cognitive impairment, multiple domain", class: domain.DiagnosisMCI,
			contacts: []domain.Contact{contact("niece Chiara", "+39 346 882 0417", "chiara.pirovano@example.it")},
			home: &domain.HomeContext{
				ApartmentType: "flat, 1st floor, 3 rooms", InternetType: "ADSL 20 Mbit",
				Flatmates: "lives alone", Pets: "no pets", Visitors: "niece on Wednesdays, friends from the parish",
				SmartphoneModel: "Motorola Moto G54", Appliances: "gas hob, dishwasher",
			},
			tickets: []ticketSpec{installation(Installer, installedKit("Mrs Pirovano asked many questions, left her the leaflet."))},
		},
		{
			first: "Angelo", last: "Mapelli", sex: "M", born: day(1945, time.February, 11), place: "F205",
			address: "Via Mecenate 32, 20138 Milano",
			notes: "Parkinson's disease diagnosed in 2016. Levodopa/benserazide 200/50 mg four times a day and " +
				"rasagiline 1 mg. Motor fluctuations with morning freezing; one fall in the shower in spring.",
			diagnosis: "Parkinson's disease with motor fluctuations", class: domain.DiagnosisParkinson,
			contacts: []domain.Contact{
				contact("wife Lucia", "+39 338 420 7765", "lucia.mapelli@example.it"),
				contact("daughter Silvia", "+39 347 903 1128", "silvia.mapelli@example.it"),
			},
			home: &domain.HomeContext{
				ApartmentType: "flat, 6th floor with lift", InternetType: "fibre (FTTC)",
				Flatmates: "lives with his wife Lucia", Pets: "no pets", Visitors: "daughter and grandchildren on Sundays",
				SmartphoneModel: "iPhone 8", Appliances: "electric oven, shower with grab bars",
				HabitNotes: "Watches football in the living room until late on match nights.",
			},
			tickets: []ticketSpec{installation(Installer, installedKit("Extra motion sensor in the shower area at the family's request."))},
			docs:    []docSpec{{name: "Shower sensor - Mapelli Angelo.jpg", kind: jpegPhoto}},
		},
		{
			first: "Graziella", last: "Barzaghi", sex: "F", born: day(1950, time.October, 29), place: "F704",
			address: "Via Lecco 61, 20900 Monza",
			notes: "Behavioural changes for two years: disinhibition, compulsive eating of sweets, loss of empathy. " +
				"Memory relatively spared. Trazodone 50 mg at night for agitation.",
			diagnosis: "Behavioural variant frontotemporal dementia", class: domain.DiagnosisFrontotemp,
			contacts: []domain.Contact{contact("husband Carlo", "+39 335 219 6604", "carlo.barzaghi@example.it")},
			home: &domain.HomeContext{
				ApartmentType: "semi-detached house on two floors", InternetType: "fibre (FTTH)",
				Flatmates: "lives with her husband Carlo", Pets: "a small dog, Pippo", Visitors: "cleaning lady three mornings a week",
				SmartphoneModel: "Samsung Galaxy S10", Appliances: "gas hob with safety valve, two fridges",
				IssueNotes: "The husband locks the pantry at night; door contact fitted on it.",
			},
			tickets: []ticketSpec{
				installation(Installer, installedKit("Pantry door contact added; the dog is small enough not to trigger the motion sensors.")),
				maintenance(Installer,
					msg(Monitoring, "The gateway has been offline since Sunday night, no data for two days."),
					msg(Installer, "The router had been unplugged by the cleaning lady to use the socket. Plugged back and labelled the plug."),
					msg(Monitoring, "Data flowing again, the gap is recovered from the hub buffer. OK to close."),
				),
			},
		},
		{
			first: "Osvaldo", last: "Crippa", sex: "M", born: day(1937, time.April, 3), place: "Z600",
			address: "Via Giacomo Matteotti 12, 20017 Rho",
			notes: "Born in Argentina, moved to Rho in 1962. Frequent backward falls, vertical gaze palsy and " +
				"slowed speech. Poor response to levodopa. Speaks Italian and Spanish; the family says he has become more irritable.",
			diagnosis: "Progressive supranuclear palsy, Richardson syndrome", class: domain.DiagnosisOther,
			contacts: []domain.Contact{
				contact("daughter Marcela", "+39 333 764 5521", "marcela.crippa@example.it"),
				contact("neighbour Signor Bruno", "+39 02 9310 4478", ""),
			},
			home: &domain.HomeContext{
				ApartmentType: "flat, 3rd floor, no lift", InternetType: "ADSL 7 Mbit",
				Flatmates: "lives with his wife, also elderly", Pets: "no pets", Visitors: "daughter daily at lunchtime",
				SmartphoneModel: "Nokia 3310 (no smartphone)", Appliances: "gas hob, bath tub without grab bars",
				IssueNotes: "Stairs are a fall risk; the doctor has been told.",
			},
			tickets: []ticketSpec{installation(Installer, installedKit("Explained the kit in Spanish to the wife as well."))},
		},
		{
			first: "Liliana", last: "Bonfanti", sex: "F", born: day(1953, time.July, 19), place: "G388",
			address: "Via dei Missaglia 97, 20142 Milano",
			notes: "Forgets appointments and recent conversations; uses a paper diary well. MoCA 22/30. Thyroid " +
				"replacement with levothyroxine. Still drives short distances, family considering stopping it.",
			diagnosis: "Amnestic mild cognitive impairment, multiple domain", class: domain.DiagnosisMCI,
			contacts: []domain.Contact{contact("son Alessandro", "+39 340 152 8839", "alessandro.bonfanti@example.it")},
			home: &domain.HomeContext{
				ApartmentType: "flat, 5th floor with lift, 3 rooms", InternetType: "fibre (FTTH)",
				Flatmates: "lives alone", Pets: "two cats, Nina and Tigre", Visitors: "son on Friday evenings, friend from the choir",
				SmartphoneModel: "Samsung Galaxy A52", Appliances: "induction hob, robot vacuum cleaner",
				IssueNotes: "Robot vacuum runs at 10:00 and triggers the motion sensors; noted for the analysis.",
			},
			tickets: []ticketSpec{installation(Installer, installedKit("Cats may trigger the living room sensor, mounted higher at 2.2 m."))},
			docs:    []docSpec{{name: "Floor plan - Bonfanti Liliana.png", kind: pngPlan}},
		},
		{
			first: "Severino", last: "Tagliabue", sex: "M", born: day(1942, time.September, 26), place: "C933",
			address: "Corso Sempione 40, 20025 Legnano",
			notes: "Retired carpenter. Memory loss and difficulty with money for three years; gets up at night looking " +
				"for his workshop. Memantine 20 mg and donepezil 10 mg. Diabetes on metformin.",
			diagnosis: "Alzheimer's disease, moderate stage", class: domain.DiagnosisAlzheimer,
			contacts: []domain.Contact{
				contact("wife Angela", "+39 0331 548 273", ""),
				contact("daughter Monica", "+39 349 671 0392", "monica.tagliabue@example.it"),
			},
			home: &domain.HomeContext{
				ApartmentType: "detached house with a workshop in the yard", InternetType: "4G router (Vodafone)",
				Flatmates: "lives with his wife Angela", Pets: "a hunting dog kept in the yard", Visitors: "daughter most afternoons",
				SmartphoneModel: "Samsung Galaxy A13 (daughter's old phone)", Appliances: "wood stove, gas hob",
				HabitNotes: "Night wandering towards the yard door around 3 a.m.",
			},
			tickets: []ticketSpec{installation(Installer, installedKit("Door contact on the yard door as requested by the doctor."))},
		},
	}
}

func underMaintenance() []patientSpec {
	return []patientSpec{
		{
			first: "Adriana", last: "Ripamonti", sex: "F", born: day(1946, time.March, 7), place: "L682",
			address: "Via Washington 52, 20146 Milano",
			notes: "Early-onset memory complaints at 70, slowly progressive. Donepezil 10 mg; stopped for nausea " +
				"for two weeks, then restarted with food. Sleeps poorly, often dozes in the armchair.",
			diagnosis: "Alzheimer's disease, mild stage, amnestic presentation", class: domain.DiagnosisAlzheimer,
			contacts: []domain.Contact{
				contact("daughter Roberta", "+39 345 228 9061", "roberta.ripamonti@example.it"),
				contact("son Marco", "+39 320 817 4436", "marco.ripamonti@example.it"),
			},
			home: &domain.HomeContext{
				ApartmentType: "flat, 2nd floor with lift", InternetType: "fibre (FTTH)",
				Flatmates: "lives alone", Pets: "no pets", Visitors: "daughter and son alternate evenings",
				SmartphoneModel: "Oppo A17", Appliances: "gas hob, electric heater in the bedroom",
			},
			tickets: []ticketSpec{
				installation(Installer, installedKit("Bed mat placed under the mattress topper.")),
				maintenance("",
					msg(Monitoring, "Bed mat readings are flat for ten nights in a row. Could the mat have moved or failed?"),
					msg(Monitoring, "Spoke with the daughter: the lady now sleeps in the living room armchair most nights. Please check both."),
					msg(Installer, "I will go on Monday afternoon with a spare mat; I can also add a pressure pad on the armchair."),
				),
			},
			docs: []docSpec{{name: "Bed mat position - Ripamonti Adriana.jpg", kind: jpegPhoto}},
		},
		{
			first: "Renato", last: "Longoni", sex: "M", born: day(1940, time.July, 12), place: "B157",
			address: "Via Cenisio 18, 20154 Milano",
			notes: "Parkinsonism with early visual hallucinations and marked fluctuations in alertness. Quetiapine " +
				"12.5 mg at night. Orthostatic hypotension, advised to get up slowly.",
			diagnosis: "Dementia with Lewy bodies, mild stage", class: domain.DiagnosisLewyBody,
			contacts: []domain.Contact{contact("wife Ornella", "+39 339 144 6257", "ornella.longoni@example.it")},
			home: &domain.HomeContext{
				ApartmentType: "flat, 7th floor with lift", InternetType: "fibre (FTTH)",
				Flatmates: "lives with his wife Ornella", Pets: "a tortoise on the balcony", Visitors: "home nurse on Mondays",
				SmartphoneModel: "Huawei P30 lite", Appliances: "induction hob, air conditioner",
			},
			tickets: []ticketSpec{
				installation(Installer, installedKit("Entrance door contact fitted on the inner door, the outer one is armoured.")),
				maintenance("",
					msg(Monitoring, "The entrance door contact reports openings every few minutes at night, probably false alarms."),
					msg(Installer, "Could be the magnet misaligned. Mrs Longoni says the door was repainted last week."),
					msg(Monitoring, "Please also ask the wife: the events match his restless nights, he may really be trying the door."),
					msg(Installer, "Appointment fixed for Wednesday at 10; bringing a new contact and stronger adhesive."),
				),
			},
		},
		{
			first: "Michelina", last: "Valsecchi", sex: "F", born: day(1948, time.December, 1), place: "Z110",
			address: "Via Roma 73, 20037 Paderno Dugnano",
			notes: "Born in Lyon to Italian parents, in Italy since 1970. Stepwise decline after a stroke in 2022; " +
				"mild left hemiparesis. Apixaban for atrial fibrillation. Speaks French with her sister.",
			diagnosis: "Post-stroke vascular dementia", class: domain.DiagnosisVascular,
			contacts: []domain.Contact{
				contact("sister Josette", "+39 342 589 0074", "josette.valsecchi@example.it"),
				contact("carer Ana Maria", "+39 351 246 8013", ""),
			},
			home: &domain.HomeContext{
				ApartmentType: "flat, raised ground floor", InternetType: "ADSL 20 Mbit",
				Flatmates: "lives with a live-in carer", Pets: "no pets", Visitors: "sister twice a week",
				SmartphoneModel: "Samsung Galaxy A34", Appliances: "electric hob, stair-free bathroom",
			},
			tickets: []ticketSpec{
				installation(Installer, installedKit("Carer shown how to check the hub light.")),
				maintenance("",
					msg(Monitoring, "The hub reports a low-battery warning on the bathroom sensor."),
					msg(Installer, "Spare batteries left with the carer last time; I asked her to swap it and will confirm on the portal."),
				),
			},
		},
	}
}

func leaving() []patientSpec {
	return []patientSpec{
		{
			first: "Ottavio", last: "Vergani", sex: "M", born: day(1935, time.February, 18), place: "E648",
			address: "Corso Adda 15, 26900 Lodi",
			notes: "Advanced Parkinson's disease with dysphagia and recurrent falls. Levodopa/carbidopa intestinal gel " +
				"considered and declined by the family. Admitted to a nursing home after a hip fracture.",
			diagnosis: "Advanced Parkinson's disease, Hoehn and Yahr stage 4", class: domain.DiagnosisParkinson,
			contacts: []domain.Contact{contact("son Giorgio", "+39 338 716 2209", "giorgio.vergani@example.it")},
			home: &domain.HomeContext{
				ApartmentType: "flat, 1st floor, chair lift", InternetType: "fibre (FTTC)",
				Flatmates: "lived alone until the admission", Pets: "no pets", Visitors: "son and a private carer",
				SmartphoneModel: "no smartphone", Appliances: "gas hob, adjustable bed",
			},
			tickets: []ticketSpec{
				installation(Installer, installedKit("Adjustable bed: mat placed under the mattress, tested in both positions.")),
				uninstallation("",
					msg(Monitoring, "The clinic informs us that the patient moved to a nursing home after his hip fracture and will not go back home. Please remove the kit."),
					msg(Installer, "The son will hand me the keys at his office in Lodi; I plan the removal for next week."),
				),
			},
		},
		{
			first: "Carmela", last: "Dell'Orto", sex: "F", born: day(1943, time.June, 30), place: "F205",
			address: "Via Gallarate 140, 20151 Milano",
			notes: "Progressive non-fluent speech for three years, now with behavioural symptoms and food fads. " +
				"Citalopram 10 mg. Finds the motion sensors' lights upsetting.",
			diagnosis: "Frontotemporal dementia, non-fluent variant with behavioural features", class: domain.DiagnosisFrontotemp,
			contacts: []domain.Contact{
				contact("daughter Valentina", "+39 347 385 6690", "valentina.dellorto@example.it"),
				contact("son-in-law Fabio", "+39 333 902 7746", ""),
			},
			home: &domain.HomeContext{
				ApartmentType: "flat, 3rd floor with lift", InternetType: "fibre (FTTH)",
				Flatmates: "lives with her daughter's family", Pets: "a Labrador, Birba", Visitors: "grandchildren live in the flat",
				SmartphoneModel: "iPhone SE (2020)", Appliances: "induction hob, two televisions",
			},
			tickets: []ticketSpec{
				installation(Installer, installedKit("Large household: sensors only in her bedroom, bathroom and corridor.")),
				uninstallation("",
					msg(Monitoring, "Request from the clinic: the family asks to remove the sensors, the lady is distressed by them. She stays in the study for clinical visits."),
				),
			},
		},
		{
			first: "Giacomo", last: "Sironi", sex: "M", born: day(1938, time.October, 10), place: "D150",
			address: "Via Monte Grappa 8, 20021 Bollate",
			notes: "Alzheimer's disease followed since 2020. Completed twelve months of home monitoring. Donepezil " +
				"stopped for bradycardia; memantine 20 mg. Wife is the main caregiver and is tired.",
			diagnosis: "Alzheimer's disease, moderate stage, with sleep disturbance", class: domain.DiagnosisAlzheimer,
			contacts: []domain.Contact{contact("wife Ivana", "+39 02 3502 6618", "ivana.sironi@example.it")},
			home: &domain.HomeContext{
				ApartmentType: "terraced house", InternetType: "ADSL 20 Mbit",
				Flatmates: "lives with his wife Ivana", Pets: "no pets", Visitors: "day centre three mornings a week",
				SmartphoneModel: "Samsung Galaxy J5", Appliances: "gas hob, chest freezer in the garage",
			},
			tickets: []ticketSpec{
				installation(Installer, installedKit("Garage door contact added because he goes out from there.")),
				maintenance(Installer,
					msg(Monitoring, "Living room sensor reports continuous motion for 20 hours."),
					msg(Installer, "A balloon from the grandson's birthday was floating in front of it. Removed, sensor fine."),
				),
				uninstallation(Installer,
					msg(Monitoring, "Twelve months of data collected: the collection period is over, please uninstall."),
					msg(Installer, "Kit removed, all eleven devices recovered and checked. Thanked Mrs Sironi on behalf of the study."),
				),
			},
			docs: []docSpec{{name: "Uninstallation report - Sironi Giacomo.pdf", kind: pdfReport, lines: report("Uninstallation report", "SRN-KIT-003",
				"Devices recovered: 11 of 11", "Motion sensors: 6, door contacts: 3, bed mat: 1, hub: 1",
				"Condition: good, garage contact adhesive worn")}},
		},
		{
			first: "Elvira", last: "Ferrario", sex: "F", born: day(1955, time.April, 25), place: "B300",
			address: "Via Emilia 22, 20097 San Donato Milanese",
			notes: "Mild cognitive impairment stable over two years of follow-up (MoCA 24/30, unchanged). Anxiety " +
				"treated with short courses of lorazepam. Active, swims twice a week.",
			diagnosis: "Stable mild cognitive impairment, non-amnestic", class: domain.DiagnosisMCI,
			contacts: []domain.Contact{contact("husband Luciano", "+39 335 873 0451", "luciano.ferrario@example.it")},
			home: &domain.HomeContext{
				ApartmentType: "flat, 2nd floor with lift", InternetType: "fibre (FTTH)",
				Flatmates: "lives with her husband Luciano", Pets: "no pets", Visitors: "rarely, they go out a lot",
				SmartphoneModel: "Google Pixel 6a", Appliances: "induction hob, smart TV",
			},
			tickets: []ticketSpec{
				installation(Installer, installedKit("Mrs Ferrario asked to see the data; told her the doctor will discuss it at the next visit.")),
				uninstallation(Installer,
					msg(Monitoring, "End of the twelve-month monitoring period for this patient; she prefers not to extend it. Please remove the kit."),
					msg(Installer, "Uninstalled this morning, the couple will keep the leaflet. All devices back in the warehouse."),
				),
			},
		},
	}
}
