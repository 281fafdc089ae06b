"""考评: unit assessment with checklists, inspections, rectification notices and rankings per class."""
