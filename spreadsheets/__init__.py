"""Reading uploaded spreadsheets of people (leads, campaign contacts): one parser for every import."""
