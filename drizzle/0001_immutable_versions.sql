-- Versions are immutable: runs are pinned to them and their content hash must stay true.
CREATE OR REPLACE FUNCTION steward_forbid_version_update() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'mission versions are immutable (version % of mission %)', OLD.number, OLD.mission_id;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER mission_version_immutable BEFORE UPDATE ON mission_version
  FOR EACH ROW EXECUTE FUNCTION steward_forbid_version_update();
