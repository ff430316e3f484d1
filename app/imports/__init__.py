"""Customer import (CSV/XLSX) and the customer export (CSV)."""
