-- One row per package: when it was ready to ship (its lines' newest `rts_time`) against
-- the SLA of the orders it carries (the earliest `rts_sla_time`), and whether it is late
-- (shipped after the SLA, or not shipped and past the SLA at the as-of time).
with package_lines as (
    select shop_id, package_id, max(rts_at) as shipped_at
    from {{ ref('stg_tiktokshop__order_line_items') }}
    where package_id is not null
    group by shop_id, package_id
),

package_sla as (
    select package_orders.shop_id, package_orders.package_id,
           min(orders.rts_sla_at) as rts_sla_at, count(*) as orders
    from {{ ref('stg_tiktokshop__package_orders') }} as package_orders
    inner join {{ ref('stg_tiktokshop__orders') }} as orders
        on orders.shop_id = package_orders.shop_id and orders.order_id = package_orders.order_id
    group by package_orders.shop_id, package_orders.package_id
)

select
    packages.shop_id,
    packages.package_id,
    packages.package_status,
    coalesce(packages.shipping_provider_name, 'unknown') as shipping_provider_name,
    coalesce(package_sla.orders, 0) as orders,
    package_lines.shipped_at,
    package_sla.rts_sla_at,
    case
        when package_sla.rts_sla_at is null then 'no_sla'
        when package_lines.shipped_at is null and package_sla.rts_sla_at < as_of.as_of_at
            then 'overdue'
        when package_lines.shipped_at is null then 'awaiting'
        when package_lines.shipped_at <= package_sla.rts_sla_at then 'on_time'
        else 'late'
    end as shipment_status
from {{ ref('stg_tiktokshop__packages') }} as packages
cross join {{ ref('int_as_of') }} as as_of
left join package_lines
    on package_lines.shop_id = packages.shop_id and package_lines.package_id = packages.package_id
left join package_sla
    on package_sla.shop_id = packages.shop_id and package_sla.package_id = packages.package_id
