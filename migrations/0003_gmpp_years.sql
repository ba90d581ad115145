-- Every GMPP year: who gave a rating, and what a publication says of a commitment beside it.

-- Who gave this rating, where the publication says: for a GMPP project's one Delivery
-- Confidence Assessment of the year (dimension `dca`), the IPA ('ipa') or its Senior
-- Responsible Owner ('sro'). NULL where no one is named, as for a state such as an exemption.
ALTER TABLE observations ADD COLUMN assessed_by TEXT;

-- What the publication says of the commitment beside its ratings, verbatim, as a JSON object
-- (for a GMPP project: its department, category, description, start and end dates and
-- whole-life cost with its unit, that year). NULL where the rule reads none.
ALTER TABLE scorecard_commitments ADD COLUMN details TEXT;
