-- Daily sales per shop and SKU (grain: shop_id, sales_date, sku_id; the day the order was
-- placed, UTC). Sales are the lines neither cancelled nor in an unpaid order:
-- net = gross (list price) - seller discounts; platform discounts are TikTok's, the seller
-- is paid them.
select
    shop_id,
    sales_date,
    sku_id,
    max(product_id) as product_id,
    max(seller_sku) as seller_sku,
    max(currency) as currency,
    count(case when is_sale then 1 end) as units_sold,
    {{ money('coalesce(sum(case when is_sale then gross_amount end), 0)') }} as gross_sales,
    {{ money('coalesce(sum(case when is_sale then seller_discount end), 0)') }}
        as seller_discounts,
    {{ money('coalesce(sum(case when is_sale then platform_discount end), 0)') }}
        as platform_discounts,
    {{ money('coalesce(sum(case when is_sale then net_amount end), 0)') }} as net_sales,
    count(case when is_cancelled then 1 end) as cancelled_units,
    count(case when is_sale and is_returned then 1 end) as returned_units
from {{ ref('int_order_lines') }}
group by shop_id, sales_date, sku_id
