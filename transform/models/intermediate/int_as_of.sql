-- The moment the marts measure "now" from (one row): the newest order update in the
-- warehouse, so a snapshot (or the sandbox's dated data) gives the same answers whenever it
-- is built; the `as_of` variable (YYYY-MM-DD) overrides it.
{%- set as_of = var('as_of', none) %}
select
{%- if as_of %}
    {{ ts("'" ~ as_of ~ "'") }} as as_of_at,
    cast('{{ as_of }}' as date) as as_of_date
{%- else %}
    max(updated_at) as as_of_at,
    {{ day_of('max(updated_at)') }} as as_of_date
from {{ ref('stg_tiktokshop__orders') }}
{%- endif %}
