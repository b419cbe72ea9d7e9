-- The fees and taxes of each statement transaction, one row per type with an amount
-- (negative: charged to the seller). The types are the fields of TikTok's
-- fee_tax_breakdown (macros/fee_columns.sql, written from the OpenAPI shapes).
{%- set relation = ref('stg_tiktokshop__statement_transactions') %}
{%- set fees = statement_transaction_fee_columns() %}
{%- set columns = present_columns(source('tiktokshop', 'statement_transactions'), fees) %}
{%- for column in columns %}
{%- if not loop.first %}
union all
{%- endif %}
select
    shop_id,
    statement_id,
    transaction_id,
    transaction_type,
    related_order_id,
    currency,
    statement_at,
    '{{ column }}' as fee_type,
    '{{ fees[column] }}' as fee_group,
    {{ column }} as amount
from {{ relation }}
where {{ column }} is not null and {{ column }} <> 0
{%- endfor %}
{%- if not columns %}
select
    cast(null as varchar) as shop_id, cast(null as varchar) as statement_id,
    cast(null as varchar) as transaction_id, cast(null as varchar) as transaction_type,
    cast(null as varchar) as related_order_id, cast(null as varchar) as currency,
    cast(null as timestamp) as statement_at, cast(null as varchar) as fee_type,
    cast(null as varchar) as fee_group, {{ money('null') }} as amount
where 1 = 0
{%- endif %}
