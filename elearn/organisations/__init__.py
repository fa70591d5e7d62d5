"""Administrative units and cooperatives, the Alliance staff of an area, and their CSV import.

``access`` decides who sees and edits what (administrators everything, an area's staff their
area), ``service`` holds the queries and changes the pages and the API share, ``importer`` reads
the CSV files.
"""
