-- Fulfilment by shop and shipping provider (grain: shop_id, shipping_provider_name):
-- packages shipped on time against their orders' SLA (ready to ship by `rts_sla_time`),
-- late, and not shipped yet (overdue when past the SLA at the as-of time).
select
    shop_id,
    shipping_provider_name,
    count(*) as packages,
    count(case when shipment_status in ('on_time', 'late') then 1 end) as shipped,
    count(case when shipment_status = 'on_time' then 1 end) as shipped_on_time,
    count(case when shipment_status = 'late' then 1 end) as shipped_late,
    count(case when shipment_status = 'awaiting' then 1 end) as awaiting_shipment,
    count(case when shipment_status = 'overdue' then 1 end) as overdue,
    cast(count(case when shipment_status = 'on_time' then 1 end) as numeric(38, 4))
        / nullif(count(case when shipment_status in ('on_time', 'late') then 1 end), 0)
        as on_time_rate
from {{ ref('int_package_shipments') }}
group by shop_id, shipping_provider_name
