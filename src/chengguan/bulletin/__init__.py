"""月通报: the monthly bulletin (PDF, HTML, Excel) and the history of issued bulletins."""
