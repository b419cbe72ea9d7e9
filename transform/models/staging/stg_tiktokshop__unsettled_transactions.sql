{%- set relation = source('tiktokshop', 'unsettled_transactions') -%}
{%- set fees = unsettled_transaction_fee_columns() -%}
select
    shop_id,
    id as unsettled_transaction_id,
    order_id,
    type as transaction_type,
    status as transaction_status,
    currency,
    {{ money('est_revenue_amount_value') }} as est_revenue_amount,
    {{ money('est_fee_tax_amount_value') }} as est_fee_tax_amount,
    {{ money('est_shipping_cost_amount_value') }} as est_shipping_cost_amount,
    {{ money('est_adjustment_amount_value') }} as est_adjustment_amount,
    {{ money('est_settlement_amount_value') }} as est_settlement_amount,
    {%- for column in present_columns(relation, fees) %}
    {{ money(column ~ '_value') }} as {{ column }},
    {%- endfor %}
    estimated_settlement,
    unsettled_reason,
    {{ ts('order_create_time_iso') }} as order_created_at,
    {{ ts('order_delivery_time_iso') }} as order_delivered_at
from {{ newest(relation, ['shop_id', 'id']) }} as unsettled
