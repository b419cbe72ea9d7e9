{%- set relation = source('tiktokshop', 'statement_transactions') -%}
{%- set fees = statement_transaction_fee_columns() -%}
select
    shop_id,
    id as transaction_id,
    statement_id,
    type as transaction_type,
    order_id,
    adjustment_id,
    adjustment_order_id,
    coalesce(order_id, adjustment_order_id) as related_order_id,
    currency,
    {{ money('settlement_amount_value') }} as settlement_amount,
    {{ money('revenue_amount_value') }} as revenue_amount,
    {{ money('coalesce(subtotal_before_discount_amount_value, gross_sales_amount_value)') }}
        as gross_sales_amount,
    {{ money('seller_discount_amount_value') }} as seller_discount_amount,
    {{ money('coalesce(fee_tax_amount_value, fee_amount_value)') }} as fee_tax_amount,
    {{ money('shipping_cost_amount_value') }} as shipping_cost_amount,
    {{ money('actual_shipping_fee_amount_value') }} as actual_shipping_fee_amount,
    {{ money('customer_paid_shipping_fee_amount_value') }} as customer_paid_shipping_fee_amount,
    {{ money('adjustment_amount_value') }} as adjustment_amount,
    {%- for column in present_columns(relation, fees) %}
    {{ money(column ~ '_value') }} as {{ column }},
    {%- endfor %}
    {{ ts('order_create_time_iso') }} as order_created_at,
    {{ ts('statement_time_iso') }} as statement_at
from {{ newest(relation, ['shop_id', 'statement_id', 'id']) }} as transactions
