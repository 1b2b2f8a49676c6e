"""IMOBEX's reference lists, loaded by the data migration and by the demo seeder (admins may add more)."""

# key, name, description
EXPLOITATION_INDICATORS = [
    ("forced-criminality", "Forced criminality", "Made to commit crimes under threat or coercion."),
    ("debt-bondage", "Debt bondage", "Made to work off a debt that keeps growing (travel, housing, fines)."),
    ("withheld-earnings", "Proceeds taken by others", "The proceeds of the crimes are handed over to others."),
    ("documents-withheld", "Identity documents withheld", "Passports or identity cards kept by others."),
    ("restricted-movement", "Restricted movement", "Not free to leave, accompanied or watched at all times."),
    ("violence-threats", "Violence or threats", "Violence or threats against the person or their family."),
    ("deceptive-recruitment", "Deceptive recruitment", "Recruited with false promises of legal work."),
    ("minors-involved", "Children involved", "Children are made to commit the crimes."),
    ("poor-living-conditions", "Poor living conditions", "Crowded or degrading housing provided by the group."),
    ("family-dependency", "Dependency on family or clan", "Exploitation within the family or clan structure."),
]
