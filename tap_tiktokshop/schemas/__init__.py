"""Singer stream schemas of tap-tiktokshop (JSON files, package data)."""
