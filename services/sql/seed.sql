-- The one schema and seed of the /items workload (services/CONTRACT.md).
-- The harness runs this file once per service per run to make a fresh DB_PATH.
CREATE TABLE items (
  id          INTEGER PRIMARY KEY,
  sku         TEXT    NOT NULL UNIQUE,
  name        TEXT    NOT NULL,
  category    TEXT    NOT NULL,
  price_cents INTEGER NOT NULL,
  qty         INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX items_category_id ON items (category, id);
WITH RECURSIVE seq(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM seq WHERE id < 100000)
INSERT INTO items (id, sku, name, category, price_cents, qty, updated_at)
SELECT id, printf('SKU-%06d', id), 'Item ' || id, printf('c%02d', id % 20),
       (id * 7919) % 100000, (id * 104729) % 1000, 0
FROM seq;
