"""Security headers, cookies and production system checks (WEB-1..4, DATA-5, AC-4 d)."""
